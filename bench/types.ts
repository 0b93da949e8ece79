/** What the runner hands a load process (as a JSON file) and what the load process prints back. */

export interface LoadRequest {
  headers: Record<string, string>;
  body: string;
}

export interface LoadSpec {
  /** Full URL, e.g. http://127.0.0.1:4123/graphql. */
  url: string;
  /** Each request sent is one of these, picked at random. */
  requests: LoadRequest[];
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface PhaseSummary {
  /** Responses received (any status). */
  requests: number;
  /** Requests sent, answered or not when the phase stopped: the divisor of round trips. */
  sent: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; avg: number; max: number };
  non2xx: number;
  /** Connection errors and timeouts as autocannon counts them. */
  errors: number;
  timeouts: number;
  /** 2xx responses whose body holds a GraphQL `errors` array (or the baseline's `error`). */
  bodyErrors: number;
  /** The first failed body, cut short, to explain a non-zero count. */
  sampleError?: string;
}

export interface LoadResult {
  warmup: PhaseSummary;
  measured: PhaseSummary;
}

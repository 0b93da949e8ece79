import { setTimeout as sleep } from 'node:timers/promises';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { Database, DatabaseUsage, Row, RpcArgs, RpcFunction } from './database';
import { assertCallable } from './database';
import { DatabaseError, kindOfCode } from './errors';

/**
 * Supabase through supabase-js: every call is PostgREST's RPC endpoint
 * (`POST /rest/v1/rpc/<name>`, JSON body of named arguments) on the same SQL functions the
 * SQL adapters call. The service-role key bypasses row-level security: the functions filter by
 * the organization and environment they are given, so tenancy is enforced by the gateway and
 * the functions, and the key must stay on the server.
 */
export interface SupabaseOptions {
  url: string;
  serviceRoleKey: string;
  /** Per HTTP request, body included. */
  timeoutMs: number;
  /** Retries of a read-only call after a transport failure (default 2). */
  readRetries?: number;
  /** First backoff delay; doubled each retry (default 100 ms). */
  retryDelayMs?: number;
}

/**
 * The functions that only read (STABLE in schema/sql), so repeating one after a lost answer
 * cannot apply anything twice. verify_api_key is deliberately absent: it records last use.
 */
export const READ_ONLY_FUNCTIONS: ReadonlySet<RpcFunction> = new Set<RpcFunction>([
  'fetch_customers_with_status',
  'count_customers_with_status',
  'get_customers_by_ids',
  'fetch_transactions_for_customers',
  'fetch_customer_totals',
  'fetch_customers_connection',
  'fetch_transactions_connection',
  'fetch_customer_changes',
  'list_api_keys',
  'list_organizations',
]);

/** timestamptz columns of the functions' results: the pg adapters return these as Date. */
const TIMESTAMP_COLUMNS = new Set(['created_at', 'updated_at', 'expires_at', 'revoked_at', 'last_used_at', 'last_transaction_at', 'changed_at']);
/**
 * bigint columns: PostgREST sends JSON numbers, but a proxy may send strings. Money never is
 * one of them: the functions return amounts as exact decimal text, which stays a string.
 */
const NUMBER_COLUMNS = new Set(['total_count', 'customers', 'transactions', 'purged']);

/** What the fetch wrapper saw for one call, since postgrest-js flattens a failed fetch into text. */
interface Attempt {
  failure?: unknown;
  timedOut: boolean;
}

/** Keyed by the AbortSignal each call passes through postgrest-js to the fetch wrapper. */
const attempts = new WeakMap<AbortSignal, Attempt>();

/**
 * fetch with a deadline covering the whole exchange: the body is read inside the deadline, so
 * a server that sends headers and then stalls still times out.
 */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const outer = init?.signal ?? undefined;
    const attempt = outer ? attempts.get(outer) : undefined;
    const controller = new AbortController();
    const onAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      if (attempt) attempt.timedOut = true;
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    try {
      const response = await fetch(input, { ...init, signal: controller.signal });
      const body = await response.arrayBuffer();
      return new Response(response.status === 204 || response.status === 304 ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (error) {
      if (attempt) attempt.failure = error;
      throw error;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  };
}

function stringProp(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const prop: unknown = (value as Record<string, unknown>)[key];
  return typeof prop === 'string' && prop !== '' ? prop : undefined;
}

/** The Node error code of a failed fetch (undici puts it on `cause`). */
function networkCode(error: unknown): string | undefined {
  return stringProp(error, 'code') ?? stringProp(typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined, 'code');
}

/**
 * A PostgREST answer or a transport failure as a DatabaseError. Only `code` and the HTTP
 * status are used: message, details and hint can hold SQL and customer data, so they stay in
 * `cause` (for the log), never in the error's message.
 */
export function supabaseError(
  error: unknown,
  status: number,
  attempt: Attempt,
): DatabaseError {
  if (attempt.timedOut) return new DatabaseError('timeout', 'TIMEOUT', { cause: attempt.failure ?? error });
  if (attempt.failure !== undefined || status === 0) {
    // the request never got an HTTP answer: refused, reset, closed socket, DNS
    const code = networkCode(attempt.failure) ?? 'NETWORK';
    return new DatabaseError('unavailable', code, { cause: attempt.failure ?? error });
  }
  const code = stringProp(error, 'code');
  if (code) return new DatabaseError(kindOfCode(code), code, { cause: error });
  // No PostgreSQL or PostgREST code: a proxy or load balancer answered.
  const httpCode = `HTTP${status}`;
  if (status === 504) return new DatabaseError('timeout', httpCode, { cause: error });
  if (status === 502 || status === 503 || (status >= 520 && status <= 524)) {
    return new DatabaseError('unavailable', httpCode, { cause: error });
  }
  return new DatabaseError('internal', httpCode, { cause: error });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A PostgREST row as the pg adapters return it: Date for timestamps, numbers for numbers. */
function toRow(value: unknown): Row {
  if (!isRecord(value)) throw new DatabaseError('internal', 'BAD_RESPONSE', { cause: new Error('a result row is not an object') });
  const row: Row = {};
  for (const [key, field] of Object.entries(value)) {
    if (TIMESTAMP_COLUMNS.has(key) && typeof field === 'string') {
      const date = new Date(field);
      if (Number.isNaN(date.getTime())) throw new DatabaseError('internal', 'BAD_RESPONSE', { cause: new Error(`bad timestamp in ${key}`) });
      row[key] = date;
    } else if (NUMBER_COLUMNS.has(key) && typeof field === 'string') {
      row[key] = Number(field);
    } else {
      row[key] = field;
    }
  }
  return row;
}

/** Every function of schema/sql returns a set, which PostgREST sends as a JSON array. */
function toRows(data: unknown): Row[] {
  if (data === null || data === undefined) return [];
  return (Array.isArray(data) ? data : [data]).map(toRow);
}

export class SupabaseDatabase implements Database {
  readonly kind = 'supabase' as const;
  private readonly readRetries: number;
  private readonly retryDelayMs: number;
  private closed = false;
  /** HTTP requests to PostgREST not yet answered (fetch's own pool queues them out of sight). */
  private inFlight = 0;

  constructor(
    private readonly client: SupabaseClient,
    options: Pick<SupabaseOptions, 'readRetries' | 'retryDelayMs'> = {},
  ) {
    this.readRetries = options.readRetries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 100;
  }

  private async call(fn: RpcFunction, args: RpcArgs): Promise<Row[]> {
    const controller = new AbortController();
    const attempt: Attempt = { timedOut: false };
    attempts.set(controller.signal, attempt);
    // Arguments left undefined take the function's default, as in the SQL adapters
    // (JSON.stringify drops them). postgrest-js's own retry is off: ours knows which calls
    // are safe to repeat.
    this.inFlight++;
    let answer;
    try {
      answer = await this.client.rpc(fn, { ...args }).abortSignal(controller.signal).retry(false);
    } finally {
      this.inFlight--;
    }
    const { data, error, status } = answer;
    if (error) throw supabaseError(error, status, attempt);
    return toRows(data);
  }

  async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
    assertCallable(fn, args);
    if (this.closed) throw new DatabaseError('unavailable', 'CLOSED');
    const retries = READ_ONLY_FUNCTIONS.has(fn) ? this.readRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.call(fn, args)) as R[];
      } catch (error) {
        // Only a transport failure is worth repeating, and only for a read: a write may have
        // been applied before the answer was lost. A timeout is not repeated either: the
        // caller has already waited the whole budget.
        if (!(error instanceof DatabaseError) || error.kind !== 'unavailable' || attempt >= retries) throw error;
        await sleep(this.retryDelayMs * 2 ** attempt + Math.floor(Math.random() * this.retryDelayMs));
      }
    }
  }

  /** Requests in flight to PostgREST; there is no pool of our own to wait for. */
  usage(): DatabaseUsage {
    return { inUse: this.inFlight, waiting: 0, open: this.inFlight };
  }

  /** A cheap read that touches the database: the keys of an organization that cannot exist. */
  async ping(): Promise<void> {
    await this.call('list_api_keys', { p_organization_id: '00000000-0000-0000-0000-000000000000' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Nothing to release: HTTP connections are fetch's pool, and no realtime channel is ever
    // opened (removeAllChannels would start realtime's 10 s disconnect timer for nothing).
  }
}

/**
 * ws's constructor types its arguments more strictly than realtime-js's structural
 * WebSocketLikeConstructor (it takes `null` there), though it is the documented transport.
 */
type RealtimeTransport = NonNullable<NonNullable<NonNullable<Parameters<typeof createClient>[2]>['realtime']>['transport']>;

export function supabaseDatabase(options: SupabaseOptions): SupabaseDatabase {
  const client = createClient(options.url, options.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // supabase-js 2.109 on Node 20 throws inside createClient without a WebSocket class.
    realtime: { transport: ws as unknown as RealtimeTransport },
    global: { fetch: fetchWithTimeout(options.timeoutMs) },
  });
  return new SupabaseDatabase(client, options);
}

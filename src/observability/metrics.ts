import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database, RpcFunction } from '../db/database';
import type { DatabaseErrorKind } from '../db/errors';
import type { LimiterName, RefusalObserver } from '../limits';
import { OperationNames } from './operation-names';

/** Which face served an operation: GraphQL, or a route of the REST API. */
export type Api = 'graphql' | 'rest';
/** An operation's type; `unknown` when the request never got as far as one operation. */
export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';
/** What a failed database call is counted as: its kind, or `other` for an error that is not a DatabaseError. */
export type DbFailure = DatabaseErrorKind | 'other';
/** Why a request was refused for its API key. */
export type AuthFailureReason = 'missing_key' | 'invalid_key';

export interface OperationObservation {
  readonly api: Api;
  /** The label: `operationLabel()` of a GraphQL operation's name, or a REST route's operationId. */
  readonly operation: string;
  readonly type: OperationType;
  /** `OK`, or the `extensions.code` of the first error. */
  readonly code: string;
  readonly seconds: number;
}

/** Seconds: from a cached read (a few ms) to a statement timeout (5 s by default). */
const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** An error code as a label: the gateway's and Apollo's codes are upper-case words; anything else is `OTHER`. */
const CODE = /^[A-Z][A-Z0-9_]{0,49}$/;

const LIMITERS: readonly LimiterName[] = ['tenant', 'mutation', 'introspection', 'auth_failures'];
const AUTH_FAILURES: readonly AuthFailureReason[] = ['missing_key', 'invalid_key'];

export interface MetricsOptions {
  /** The database whose connections are reported (its `usage()`, read at each scrape). */
  readonly database: Database;
  /**
   * The names allowed as `operation` labels (the persisted-documents manifest's); without a list,
   * or with an empty one (no manifest), the first 100 names seen.
   */
  readonly operationNames?: readonly string[];
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways can run in one
 * process, as the tests do). Recording is a counter increment or a histogram observation; the
 * connection gauges are read from the database only when /metrics is scraped. No label ever
 * holds an organization, key, customer or request: only operation names (bounded by
 * OperationNames), types, codes, SQL function names and fixed words (docs/observability.md).
 */
export class GatewayMetrics implements RefusalObserver {
  readonly registry = new Registry();
  private readonly names: OperationNames;
  private readonly operations: Counter<'api' | 'operation' | 'type' | 'code'>;
  private readonly operationSeconds: Histogram<'api' | 'operation' | 'type'>;
  private readonly dbSeconds: Histogram<'function'>;
  private readonly dbErrors: Counter<'function' | 'kind'>;
  private readonly refusals: Counter<'limiter'>;
  private readonly authFailures: Counter<'reason'>;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    this.names = new OperationNames(options.operationNames?.length ? new Set(options.operationNames) : undefined);
    collectDefaultMetrics({ register: this.registry });
    this.operations = new Counter({
      name: 'gateway_operations_total',
      help: 'GraphQL operations and REST requests served, by operation name, type and outcome code (OK or the error code)',
      labelNames: ['api', 'operation', 'type', 'code'],
      registers,
    });
    this.operationSeconds = new Histogram({
      name: 'gateway_operation_duration_seconds',
      help: 'Time from the start of an operation to its response, in seconds',
      labelNames: ['api', 'operation', 'type'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.dbSeconds = new Histogram({
      name: 'gateway_db_call_duration_seconds',
      help: 'Database calls (SQL functions) by function name, in seconds, failed calls included',
      labelNames: ['function'],
      buckets: DB_BUCKETS,
      registers,
    });
    this.dbErrors = new Counter({
      name: 'gateway_db_call_errors_total',
      help: 'Database calls that failed, by function name and kind of failure',
      labelNames: ['function', 'kind'],
      registers,
    });
    this.refusals = new Counter({
      name: 'gateway_limit_refusals_total',
      help: 'Refusals with RATE_LIMITED: tenant and mutation budgets (per root field or REST request), introspection without a key, and invalid API keys per address',
      labelNames: ['limiter'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'gateway_auth_failures_total',
      help: 'Requests refused with UNAUTHENTICATED, by reason',
      labelNames: ['reason'],
      registers,
    });
    // Known series start at 0, so a rate() over them works from the first scrape.
    for (const limiter of LIMITERS) this.refusals.inc({ limiter }, 0);
    for (const reason of AUTH_FAILURES) this.authFailures.inc({ reason }, 0);

    const { database } = options;
    const backend = database.kind;
    const usageGauge = (name: string, help: string, read: (usage: NonNullable<ReturnType<NonNullable<Database['usage']>>>) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['backend'],
        registers,
        collect() {
          const usage = database.usage?.();
          if (usage) this.set({ backend }, read(usage));
        },
      });
    usageGauge('gateway_db_connections_in_use', 'Database connections busy with a call (pg pool: open minus idle; embedded: its one session; Supabase: HTTP requests in flight)', (u) => u.inUse);
    usageGauge('gateway_db_connections_waiting', 'Database calls waiting for a connection (pg pool: waitingCount; embedded: statements queued behind the running one; Supabase: 0)', (u) => u.waiting);
    usageGauge('gateway_db_connections_open', 'Database connections open, busy or idle (pg pool: totalCount; embedded and Supabase: as in use)', (u) => u.open);
  }

  /**
   * The bounded label of a GraphQL operation: its name, `(anonymous)`, `(unknown)` when no single
   * operation was determined (`resolved` false: parse or validation failure), or `other`.
   */
  operationLabel(name: string | null | undefined, resolved: boolean): string {
    return this.names.label(name, resolved);
  }

  operation(observed: OperationObservation): void {
    const { operation } = observed;
    const code = CODE.test(observed.code) ? observed.code : 'OTHER';
    this.operations.inc({ api: observed.api, operation, type: observed.type, code });
    this.operationSeconds.observe({ api: observed.api, operation, type: observed.type }, observed.seconds);
  }

  dbCall(fn: RpcFunction, seconds: number, failure: DbFailure | undefined): void {
    this.dbSeconds.observe({ function: fn }, seconds);
    if (failure !== undefined) this.dbErrors.inc({ function: fn, kind: failure });
  }

  refused(limiter: LimiterName): void {
    this.refusals.inc({ limiter });
  }

  authFailed(reason: AuthFailureReason): void {
    this.authFailures.inc({ reason });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

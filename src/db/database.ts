/**
 * The one port between the gateway and its data: `rpc(name, namedArgs)` calls a SQL function
 * of `schema/sql` and returns its rows. Every backend (embedded PGlite, PostgreSQL, Supabase)
 * runs the same functions, so only this interface's adapters differ.
 */

/**
 * The SQL functions the application may call. Names never come from client input. The seed's
 * get_customer_by_organization and fetch_customer_transactions are not among them: the gateway
 * reads one customer, or one customer's transactions, through the batched functions its
 * per-request loaders call (get_customers_by_ids, fetch_transactions_for_customers). They stay
 * part of the SQL API, tested through SQL in test/db.
 */
export const RPC_FUNCTIONS = [
  'fetch_customers_with_status',
  'count_customers_with_status',
  'get_customers_by_ids',
  'create_customer',
  'update_customer',
  'delete_customer',
  'fetch_transactions_for_customers',
  'fetch_customer_totals',
  'fetch_customers_connection',
  'fetch_transactions_connection',
  'fetch_customer_changes',
  'restore_customer',
  'erase_customer',
  'purge_idempotency_keys',
  'verify_api_key',
  'create_organization',
  'create_api_key',
  'list_api_keys',
  'list_organizations',
  'revoke_api_key',
  'seed_demo_customers',
] as const;

export type RpcFunction = (typeof RPC_FUNCTIONS)[number];

/** Named arguments of a SQL function call: `{ p_organization_id: '...' }`. */
export type RpcArgs = Readonly<Record<string, unknown>>;

export type Row = Record<string, unknown>;

/**
 * How busy the backend's connections are, read when metrics are scraped (docs/observability.md):
 * a pg pool's connections; the embedded database's one session and the calls queued for it;
 * Supabase's HTTP requests in flight.
 */
export interface DatabaseUsage {
  /** Connections (or the session, or HTTP requests) busy with a call now. */
  readonly inUse: number;
  /** Calls waiting for a connection (or for the embedded session). */
  readonly waiting: number;
  /** Connections open, busy or idle (pg); for the others, the same as inUse. */
  readonly open: number;
}

export interface Database {
  /** Which backend this is, for logs and `/ready`. */
  readonly kind: 'pglite' | 'postgres' | 'supabase';
  rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]>;
  /** The connections' state now, for metrics; a wrapper passes its backend's on. */
  usage?(): DatabaseUsage;
  /** Resolves when the database answers a trivial query; rejects with a DatabaseError. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const ARG_NAME = /^p_[a-z][a-z0-9_]*$/;

export function isRpcFunction(name: string): name is RpcFunction {
  return (RPC_FUNCTIONS as readonly string[]).includes(name);
}

/** Guards against a function or argument name that is not one of ours. */
export function assertCallable(fn: string, args: RpcArgs): void {
  if (!isRpcFunction(fn)) throw new Error(`not a known database function: ${fn}`);
  for (const name of Object.keys(args)) {
    if (!ARG_NAME.test(name)) throw new Error(`not a valid argument name: ${name}`);
  }
}

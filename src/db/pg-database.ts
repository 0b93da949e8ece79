import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PoolMode } from '../config';
import type { DatabaseUsage, Row, RpcArgs, RpcFunction } from './database';
import { toDatabaseError } from './errors';
import type { SqlDatabase, SqlSession } from './sql-database';
import { rpcStatement } from './sql-database';

const NUMERIC_OID = 1700;
const INT8_OID = 20;

/**
 * Counts (bigint, far below 2^53 here) come back as numbers. numeric stays its exact decimal
 * text: money must never pass through a binary float. Given to the pool (`types`), not set
 * globally.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === NUMERIC_OID) return (value: string) => value;
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  connectionString: string;
  statementTimeoutMs: number;
  poolSize: number;
  /**
   * `session` (the default): PostgreSQL itself or a pooler in session mode. `transaction`: a
   * pooler in transaction mode, which hands each transaction to any of its server connections
   * and (PgBouncer 1.18) refuses startup parameters other than a few: no named prepared
   * statements, no timeouts sent at connection start (see `postgresDatabase`).
   */
  poolMode?: PoolMode;
}

/**
 * The name a call's statement is prepared under: the function and a digest of the statement
 * text, which the function and the names of the arguments given determine. The set is bounded
 * by the code (RPC_FUNCTIONS and the argument sets the repositories pass), never by client data:
 * values are bound, and names are checked by rpcStatement.
 */
const statementNames = new Map<string, string>();
export function statementName(fn: RpcFunction, text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `gw_${fn}_${createHash('sha1').update(text).digest('hex').slice(0, 10)}`;
    statementNames.set(text, name);
  }
  return name;
}

function clientSession(client: pg.PoolClient): SqlSession {
  const session: SqlSession = {
    query: async <R extends Row>(text: string, values?: unknown[]) => (await client.query<R>(text, values)).rows,
    exec: async (sql) => {
      await client.query(sql);
    },
    transaction: async (work) => {
      await client.query('begin');
      try {
        await work(session);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    },
  };
  return session;
}

/** PostgreSQL through a `pg.Pool`. */
export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  private closed = false;

  /**
   * `prepared`: each call's statement is prepared once per connection, under its name
   * (statementName), and later calls of the same shape only bind and execute it: the server
   * parses and plans the statement once per connection instead of on every call.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly prepared = true,
  ) {
    // An idle client that loses its connection must not crash the process; the pool drops it.
    pool.on('error', () => undefined);
  }

  async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
    const { text, values } = rpcStatement(fn, args);
    try {
      const query: pg.QueryConfig = this.prepared ? { name: statementName(fn, text), text, values } : { text, values };
      return (await this.pool.query(query)).rows as R[];
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  /** The pool's own counts: busy connections are the open ones that are not idle. */
  usage(): DatabaseUsage {
    const { totalCount, idleCount, waitingCount } = this.pool;
    return { inUse: totalCount - idleCount, waiting: waitingCount, open: totalCount };
  }

  async session<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
    try {
      return await work(clientSession(client));
    } finally {
      client.release();
    }
  }

  /**
   * The statement timeout the server applies to this pool's connections, in milliseconds (0:
   * none). Behind a transaction-mode pooler it comes from the role or the database (ALTER ROLE
   * ... SET statement_timeout), since no startup parameter can carry it.
   */
  async serverStatementTimeoutMs(): Promise<number> {
    try {
      const { rows } = await this.pool.query<{ ms: number }>("select setting::int as ms from pg_settings where name = 'statement_timeout'");
      return rows[0].ms;
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query('select 1');
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * A PostgreSQL pool. The statement timeout is a startup parameter of each connection, so it
 * costs no round trip per request; every wait on the database (for a pooled connection, for an
 * answer) ends shortly after it, as SERVICE_UNAVAILABLE.
 *
 * In `transaction` pool mode the pooler (PgBouncer 1.18) refuses those startup parameters
 * ("unsupported startup parameter") and would hand a prepared statement's later calls to server
 * connections that never saw it, so neither is used: the server-side timeout is the role's or
 * the database's own (`verifyServerStatementTimeout` checks it at start), and the client-side
 * timeout below stays as the safety net.
 */
export function postgresDatabase(options: PostgresOptions): PgDatabase {
  // 0: no timeout at all (the admin CLI's bulk work): none on the server, none on the client
  const bounded = options.statementTimeoutMs > 0;
  const session = (options.poolMode ?? 'session') === 'session';
  return new PgDatabase(
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      types: typeParsers,
      ...(session
        ? { statement_timeout: options.statementTimeoutMs, idle_in_transaction_session_timeout: options.statementTimeoutMs * 2 }
        : {}),
      // A database that stops answering on an open connection: the server's statement_timeout
      // cannot fire, so the client gives up a moment after it would have.
      query_timeout: bounded ? options.statementTimeoutMs + 250 : undefined,
      // Waiting for a pooled connection (all busy, or a new one not answering) is bounded alike.
      connectionTimeoutMillis: bounded ? options.statementTimeoutMs : 10_000,
      application_name: 'customers-gateway',
    }),
    session,
  );
}

/**
 * Behind a transaction-mode pooler the server's statement timeout must come from the role or
 * the database: refuses to go on when there is none, or when it is longer than
 * DB_STATEMENT_TIMEOUT_MS (the client would give up while the statement kept its connection
 * busy on the server).
 */
export async function verifyServerStatementTimeout(db: PgDatabase, statementTimeoutMs: number): Promise<void> {
  const server = await db.serverStatementTimeoutMs();
  if (server > 0 && server <= statementTimeoutMs) return;
  throw new Error(
    `DB_POOL_MODE=transaction: the database's own statement_timeout is ${server === 0 ? 'not set (0)' : `${server} ms`}, ` +
      `and must be from 1 to DB_STATEMENT_TIMEOUT_MS (${statementTimeoutMs} ms): behind a transaction-mode pooler the gateway cannot set it per connection. ` +
      `Set it on the gateway's role, e.g. ALTER ROLE <role> SET statement_timeout = '${statementTimeoutMs}ms' (or ALTER DATABASE ... SET), see docs/scaling.md`,
  );
}

import pg from 'pg';
import type { Row, RpcArgs, RpcFunction } from './database';
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

  constructor(private readonly pool: pg.Pool) {
    // An idle client that loses its connection must not crash the process; the pool drops it.
    pool.on('error', () => undefined);
  }

  async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
    const { text, values } = rpcStatement(fn, args);
    try {
      return (await this.pool.query(text, values)).rows as R[];
    } catch (error) {
      throw toDatabaseError(error);
    }
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
 */
export function postgresDatabase(options: PostgresOptions): PgDatabase {
  // 0: no timeout at all (the admin CLI's bulk work): none on the server, none on the client
  const bounded = options.statementTimeoutMs > 0;
  return new PgDatabase(
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      types: typeParsers,
      statement_timeout: options.statementTimeoutMs,
      idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
      // A database that stops answering on an open connection: the server's statement_timeout
      // cannot fire, so the client gives up a moment after it would have.
      query_timeout: bounded ? options.statementTimeoutMs + 250 : undefined,
      // Waiting for a pooled connection (all busy, or a new one not answering) is bounded alike.
      connectionTimeoutMillis: bounded ? options.statementTimeoutMs : 10_000,
      application_name: 'customers-gateway',
    }),
  );
}

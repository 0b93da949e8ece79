import type { Database, Row, RpcArgs, RpcFunction } from './database';
import { assertCallable } from './database';

/** One database session, for work that is not a domain function call (migrations, tests). */
export interface SqlSession {
  query<R extends Row = Row>(text: string, values?: unknown[]): Promise<R[]>;
  /** Runs several statements (a migration file); no parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `work` in a transaction on this session: committed if it resolves, else rolled back. */
  transaction(work: (tx: SqlSession) => Promise<void>): Promise<void>;
}

/** A Database that speaks SQL directly: PostgreSQL and embedded PGlite. */
export interface SqlDatabase extends Database {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` on one session held for its whole duration. */
  session<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
}

/** True for the backends that take SQL (and so migrations); false for Supabase. */
export function isSqlDatabase(db: Database): db is SqlDatabase {
  return db.kind !== 'supabase' && 'session' in db;
}

/** Builds `select * from fn(p_a => $1, p_b => $2)`: names are checked, values are bound. */
export function rpcStatement(fn: RpcFunction, args: RpcArgs): { text: string; values: unknown[] } {
  assertCallable(fn, args);
  return functionCall(fn, args);
}

/**
 * The statement of a call to any SQL function (the caller vouches for the name: only
 * rpcStatement's, checked against RPC_FUNCTIONS, or a test's); undefined arguments are left out.
 */
export function functionCall(fn: string, args: RpcArgs): { text: string; values: unknown[] } {
  const names = Object.keys(args).filter((name) => args[name] !== undefined);
  const params = names.map((name, i) => `${name} => $${i + 1}`).join(', ');
  return { text: `select * from ${fn}(${params})`, values: names.map((name) => toParam(args[name])) };
}

/** Arrays stay arrays (uuid[]); other objects are sent as JSON text (jsonb arguments). */
function toParam(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
    return JSON.stringify(value);
  }
  return value;
}

export type { Row };

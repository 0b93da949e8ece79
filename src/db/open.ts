import type { Config } from '../config';
import type { Database } from './database';
import { postgresDatabase } from './pg-database';
import { openEmbeddedDatabase } from './pglite';
import { supabaseDatabase } from './supabase';
import type { SqlDatabase } from './sql-database';

/**
 * The database the configuration names: embedded PGlite by default, or PostgreSQL. Requests
 * are bounded by DB_STATEMENT_TIMEOUT_MS unless `statementTimeoutMs` says otherwise (the admin
 * CLI passes 0, no timeout: its seeding and migrations are long by nature, and its operator
 * can stop it).
 */
export async function openSqlDatabase(config: Config, { statementTimeoutMs = config.statementTimeoutMs } = {}): Promise<SqlDatabase> {
  const db = config.database;
  switch (db.kind) {
    case 'pglite':
      return openEmbeddedDatabase(db.dataDir, { statementTimeoutMs });
    case 'postgres':
      return postgresDatabase({ connectionString: db.url, statementTimeoutMs, poolSize: db.poolSize });
    case 'supabase':
      throw new Error('Supabase has no direct SQL session: apply schema/sql with psql (see README)');
    default: {
      const never: never = db;
      return never;
    }
  }
}

/** The database the gateway serves from: Supabase over its RPC endpoint, or a SQL database. */
export async function openDatabase(config: Config): Promise<Database> {
  const db = config.database;
  if (db.kind === 'supabase') return supabaseDatabase({ url: db.url, serviceRoleKey: db.serviceRoleKey, timeoutMs: db.timeoutMs });
  return openSqlDatabase(config);
}

import type { Config } from '../config';
import type { Database } from './database';
import { postgresDatabase } from './pg-database';
import { openEmbeddedDatabase } from './pglite';
import { supabaseDatabase } from './supabase';
import type { SqlDatabase } from './sql-database';

/** The database the configuration names: embedded PGlite by default, or PostgreSQL. */
export async function openSqlDatabase(config: Config): Promise<SqlDatabase> {
  const db = config.database;
  switch (db.kind) {
    case 'pglite':
      return openEmbeddedDatabase(db.dataDir);
    case 'postgres':
      return postgresDatabase({ connectionString: db.url, statementTimeoutMs: config.statementTimeoutMs, poolSize: db.poolSize });
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

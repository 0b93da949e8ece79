import type { Config } from '../config';
import type { Database } from './database';
import { postgresDatabase } from './pg-database';
import { openEmbeddedDatabase } from './pglite';
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

/** The database the gateway serves from. */
export async function openDatabase(config: Config): Promise<Database> {
  return openSqlDatabase(config);
}

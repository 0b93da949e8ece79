import type { Config } from '../config';
import type { Database } from './database';
import { migrate } from './migrate';
import { postgresDatabase, verifyServerStatementTimeout } from './pg-database';
import { openEmbeddedDatabase } from './pglite';
import { supabaseDatabase } from './supabase';
import type { SqlDatabase } from './sql-database';

/**
 * The database the configuration names: embedded PGlite by default, or PostgreSQL. Requests
 * are bounded by DB_STATEMENT_TIMEOUT_MS unless `statementTimeoutMs` says otherwise (the admin
 * CLI passes 0, no timeout: its seeding and migrations are long by nature, and its operator
 * can stop it). `direct`: PostgreSQL itself (DATABASE_DIRECT_URL when set), never through a
 * transaction-mode pooler: for migrations and the admin CLI.
 */
export async function openSqlDatabase(
  config: Config,
  { statementTimeoutMs = config.statementTimeoutMs, direct = false }: { statementTimeoutMs?: number; direct?: boolean } = {},
): Promise<SqlDatabase> {
  const db = config.database;
  switch (db.kind) {
    case 'pglite':
      return openEmbeddedDatabase(db.dataDir, { statementTimeoutMs });
    case 'postgres': {
      const pooled = !direct && db.poolMode === 'transaction';
      const opened = postgresDatabase({
        connectionString: direct ? (db.directUrl ?? db.url) : db.url,
        statementTimeoutMs,
        poolSize: db.poolSize,
        poolMode: pooled ? 'transaction' : 'session',
      });
      if (pooled && statementTimeoutMs > 0) {
        try {
          await verifyServerStatementTimeout(opened, statementTimeoutMs);
        } catch (error) {
          await opened.close();
          throw error;
        }
      }
      return opened;
    }
    case 'supabase':
      throw new Error('Supabase has no direct SQL session: apply schema/sql with psql (see README)');
    default: {
      const never: never = db;
      return never;
    }
  }
}

/**
 * Applies the migrations at start: through `serving` itself, or, with DATABASE_DIRECT_URL, on a
 * connection of their own to PostgreSQL directly (their advisory lock is a session's, which a
 * transaction-mode pooler does not keep).
 */
export async function migrateAtStart(config: Config, serving: SqlDatabase): Promise<string[]> {
  if (config.database.kind !== 'postgres' || config.database.directUrl === undefined) return migrate(serving);
  const direct = await openSqlDatabase(config, { direct: true });
  try {
    return await migrate(direct);
  } finally {
    await direct.close();
  }
}

/** The database the gateway serves from: Supabase over its RPC endpoint, or a SQL database. */
export async function openDatabase(config: Config): Promise<Database> {
  const db = config.database;
  if (db.kind === 'supabase') return supabaseDatabase({ url: db.url, serviceRoleKey: db.serviceRoleKey, timeoutMs: db.timeoutMs });
  return openSqlDatabase(config);
}

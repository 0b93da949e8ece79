import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sqlDir } from '../paths';
import type { SqlDatabase } from './sql-database';

/** Any number, the same everywhere: serialises concurrent migration runs on PostgreSQL. */
const MIGRATION_LOCK = 7_318_452_019;

export interface Migration {
  version: string;
  sql: string;
}

/** The numbered files of schema/sql, in order. */
export function readMigrations(dir = sqlDir()): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: file.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, file), 'utf8') }));
}

/**
 * Applies each migration not yet recorded, in order, each in its own transaction together with
 * its record in schema_migrations. An advisory lock held for the whole run makes a second
 * process wait, then find nothing left to do. Returns the versions it applied.
 */
export async function migrate(db: SqlDatabase, migrations = readMigrations()): Promise<string[]> {
  return db.session(async (session) => {
    await session.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await session.exec(
        'create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())',
      );
      const rows = await session.query<{ version: string }>('select version from schema_migrations');
      const done = new Set(rows.map((row) => row.version));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await session.transaction(async (tx) => {
          await tx.exec(migration.sql);
          await tx.query('insert into schema_migrations (version) values ($1)', [migration.version]);
        });
        applied.push(migration.version);
      }
      // The embedded database has no autovacuum daemon: new tables and indexes get their
      // planner statistics here (src/db/pglite-worker.js keeps them current afterwards).
      if (applied.length > 0 && db.kind === 'pglite') await session.exec('analyze');
      return applied;
    } finally {
      await session.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}

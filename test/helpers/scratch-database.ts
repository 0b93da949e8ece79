import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresDatabase } from '../../src/db/pg-database';
import { memoryDatabase } from '../../src/db/pglite';
import type { SqlDatabase } from '../../src/db/sql-database';
import { ADMIN_URL, databaseUrl, usingPostgres } from './test-env';

/**
 * An empty PostgreSQL database of one test's own (for what must start from nothing, such as
 * migrations), dropped afterwards. PostgreSQL runs only.
 */
export async function withScratchPostgresDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  if (!ADMIN_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `gateway_scratch_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
    try {
      return await work(databaseUrl(ADMIN_URL, name));
    } finally {
      await admin.query(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/** A fresh, empty database of the run's backend. */
export async function withFreshDatabase(work: (db: SqlDatabase) => Promise<void>): Promise<void> {
  if (!usingPostgres()) {
    const db = await memoryDatabase();
    try {
      await work(db);
    } finally {
      await db.close();
    }
    return;
  }
  await withScratchPostgresDatabase(async (url) => {
    const db = postgresDatabase({ connectionString: url, statementTimeoutMs: 30000, poolSize: 1 });
    try {
      await work(db);
    } finally {
      await db.close();
    }
  });
}

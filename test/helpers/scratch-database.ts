import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ADMIN_URL, databaseUrl } from './test-env';

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

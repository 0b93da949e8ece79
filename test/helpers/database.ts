import { readFileSync } from 'node:fs';
import { postgresDatabase } from '../../src/db/pg-database';
import type { EmbeddedOptions, PgliteDatabase } from '../../src/db/pglite';
import { memoryDatabase } from '../../src/db/pglite';
import type { SqlDatabase } from '../../src/db/sql-database';
import { RUN_DB_URL_VAR, TEMPLATE_VAR } from './test-env';

/**
 * A migrated database for one test file: a fresh PGlite loaded from the run's template, or a
 * pool on the run's PostgreSQL database (shared by the files of the run; every test creates
 * organizations of its own, so tests never see each other's rows).
 */
export async function openTestDatabase(options: { statementTimeoutMs?: number } = {}): Promise<SqlDatabase> {
  const url = process.env[RUN_DB_URL_VAR];
  if (url) return postgresDatabase({ connectionString: url, statementTimeoutMs: options.statementTimeoutMs ?? 30000, poolSize: 8 });
  return openTestEmbeddedDatabase(options);
}

/** A migrated embedded database of its own (loaded from the run's template), whatever the run's backend. */
export async function openTestEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<PgliteDatabase> {
  const template = process.env[TEMPLATE_VAR];
  if (!template) throw new Error('embedded test database template missing: run the tests through jest on the embedded database (global setup)');
  return memoryDatabase({ ...options, loadDataDir: readFileSync(template) });
}

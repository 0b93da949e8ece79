import { readFileSync } from 'node:fs';
import type { Row, RpcArgs } from '../../src/db/database';
import { toDatabaseError } from '../../src/db/errors';
import { postgresDatabase } from '../../src/db/pg-database';
import type { EmbeddedOptions, PgliteDatabase } from '../../src/db/pglite';
import { memoryDatabase } from '../../src/db/pglite';
import type { SqlDatabase } from '../../src/db/sql-database';
import { functionCall } from '../../src/db/sql-database';
import { filledLater } from './fixture';
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

/** The fixture of the SQL tests: the run's test database, opened in beforeAll and closed in afterAll. */
export function useTestDatabase(): SqlDatabase {
  const db = filledLater<SqlDatabase>('the test database');
  let opened: SqlDatabase | undefined;
  beforeAll(async () => {
    opened = await openTestDatabase();
    db.fill(opened);
  });
  afterAll(() => opened?.close());
  return db.value;
}

/** A migrated embedded database of its own (loaded from the run's template), whatever the run's backend. */
export async function openTestEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<PgliteDatabase> {
  const template = process.env[TEMPLATE_VAR];
  if (!template) throw new Error('embedded test database template missing: run the tests through jest on the embedded database (global setup)');
  return memoryDatabase({ ...options, loadDataDir: readFileSync(template) });
}

/** The seed's SQL functions that the gateway does not call (so not in RPC_FUNCTIONS). */
export type SeedOnlyFunction = 'get_customer_by_organization' | 'fetch_customer_transactions';

/** Calls one of them as the adapters call theirs, failing with a DatabaseError as they do. */
export async function callSqlFunction<R extends object = Row>(db: SqlDatabase, fn: SeedOnlyFunction, args: RpcArgs): Promise<R[]> {
  const { text, values } = functionCall(fn, args);
  try {
    return (await db.session((session) => session.query(text, values))) as R[];
  } catch (error) {
    throw toDatabaseError(error);
  }
}

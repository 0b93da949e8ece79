/**
 * Where the tests' database is. The default run uses embedded PGlite (a migrated template
 * loaded into a fresh in-memory instance per test file). With TEST_DATABASE_URL (a PostgreSQL
 * server URL whose user may create databases), the run creates a database of its own, migrates
 * it once, and drops it at the end: runs never see each other's rows.
 */
export const ADMIN_URL = process.env.TEST_DATABASE_URL;
/** Set by global setup: the per-run PostgreSQL database, or the PGlite template dump. */
export const RUN_DB_URL_VAR = 'GATEWAY_TEST_RUN_DATABASE_URL';
export const TEMPLATE_VAR = 'GATEWAY_TEST_PGLITE_TEMPLATE';
export const usingPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);

export function databaseUrl(admin: string, database: string): string {
  const url = new URL(admin);
  url.pathname = '/' + database;
  return url.toString();
}

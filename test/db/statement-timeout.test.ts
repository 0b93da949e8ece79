import { DatabaseError, toDatabaseError } from '../../src/db/errors';
import { postgresDatabase } from '../../src/db/pg-database';
import { RUN_DB_URL_VAR, usingPostgres } from '../helpers/test-env';

// The statement timeout is a PostgreSQL connection setting (PGlite runs one statement at a
// time in this process and has no timer to cancel it), so this runs on the PostgreSQL pass.
(usingPostgres() ? describe : describe.skip)('the per-connection statement timeout (DB_STATEMENT_TIMEOUT_MS)', () => {
  test('is set on every connection when it opens, with no extra statement per request', async () => {
    const db = postgresDatabase({ connectionString: process.env[RUN_DB_URL_VAR] as string, statementTimeoutMs: 1234, poolSize: 2 });
    try {
      const shown = await db.session((s) => s.query<{ statement_timeout: string }>('show statement_timeout'));
      expect(shown).toEqual([{ statement_timeout: '1234ms' }]);
    } finally {
      await db.close();
    }
  });

  test('a statement past it fails as a typed timeout, and the connection stays usable', async () => {
    const db = postgresDatabase({ connectionString: process.env[RUN_DB_URL_VAR] as string, statementTimeoutMs: 200, poolSize: 1 });
    try {
      const error = await db.session((s) => s.query('select pg_sleep(2)')).then(() => undefined, (e: unknown) => e);
      // session() hands back the driver's error; rpc() maps it: check both ends of the mapping
      expect((error as { code?: string }).code).toBe('57014');
      const typed = toDatabaseError(error);
      expect(typed).toBeInstanceOf(DatabaseError);
      expect(typed.kind).toBe('timeout');
      expect(typed.message).not.toContain('pg_sleep');
      await expect(db.ping()).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });
});

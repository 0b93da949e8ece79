import { migrate, readMigrations } from '../../src/db/migrate';
import { postgresDatabase } from '../../src/db/pg-database';
import type { SqlDatabase } from '../../src/db/sql-database';
import { openTestDatabase } from '../helpers/database';
import { withFreshDatabase, withScratchPostgresDatabase } from '../helpers/scratch-database';
import { usingPostgres } from '../helpers/test-env';

const versions = readMigrations().map((m) => m.version);
const recorded = async (db: SqlDatabase): Promise<string[]> =>
  (await db.session((s) => s.query<{ version: string }>('select version from schema_migrations order by version'))).map((row) => row.version);

describe('migrate', () => {
  test('the files are numbered and read in order', () => {
    expect(versions.length).toBeGreaterThanOrEqual(6);
    expect([...versions].sort()).toEqual(versions);
    expect(versions[0]).toBe('001_extensions');
  });

  test('a fresh database gets every file once, in order, recorded', async () => {
    await withFreshDatabase(async (db) => {
      expect(await migrate(db)).toEqual(versions);
      expect(await recorded(db)).toEqual(versions);
      expect(await migrate(db)).toEqual([]);
      expect(await recorded(db)).toEqual(versions);
    });
  });

  test('an already migrated database applies nothing', async () => {
    const db = await openTestDatabase();
    try {
      expect(await migrate(db)).toEqual([]);
      expect(await recorded(db)).toEqual(versions);
    } finally {
      await db.close();
    }
  });

  test('a failing file is rolled back with its record, and the next run retries it', async () => {
    await withFreshDatabase(async (db) => {
      const good = { version: '001_good', sql: 'create table good_one (id int)' };
      const bad = { version: '002_bad', sql: 'create table half_done (id int); select 1/0;' };
      await expect(migrate(db, [good, bad])).rejects.toMatchObject({ code: '22012' });
      expect(await recorded(db)).toEqual(['001_good']);
      const [{ exists }] = await db.session((s) => s.query<{ exists: boolean }>("select to_regclass('half_done') is not null as exists"));
      expect(exists).toBe(false);
      expect(await migrate(db, [good, { ...bad, sql: 'create table half_done (id int)' }])).toEqual(['002_bad']);
    });
  });
});

(usingPostgres() ? describe : describe.skip)('migrate on PostgreSQL, two processes at once', () => {
  test('each file is applied once in all', async () => {
    await withScratchPostgresDatabase(async (url) => {
      const a = postgresDatabase({ connectionString: url, statementTimeoutMs: 60000, poolSize: 1 });
      const b = postgresDatabase({ connectionString: url, statementTimeoutMs: 60000, poolSize: 1 });
      try {
        const [fromA, fromB] = await Promise.all([migrate(a), migrate(b)]);
        expect([...fromA, ...fromB].sort()).toEqual(versions);
        // the advisory lock makes one run wait for the other, so one applies all, the other none
        expect([fromA.length, fromB.length].sort()).toEqual([0, versions.length]);
        const rows = await a.session((s) => s.query<{ version: string; n: number }>('select version, count(*)::int as n from schema_migrations group by version order by version'));
        expect(rows).toEqual(versions.map((version) => ({ version, n: 1 })));
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '../../src/db/migrate';
import { memoryDatabase } from '../../src/db/pglite';
import type { PgliteDatabase } from '../../src/db/pglite';
import { seedDemoCustomers } from '../../src/admin/admin';
import type { SqlDatabase } from '../../src/db/sql-database';
import { openTestEmbeddedDatabase, useTestDatabase } from '../helpers/database';
import { createTenant, type TestTenant } from '../helpers/tenants';
import { usingPostgres } from '../helpers/test-env';

/** What the planner believes a table holds: -1 until the table is first analysed. */
async function plannerRows(db: SqlDatabase, table: string): Promise<number> {
  const [{ reltuples }] = await db.session((s) => s.query<{ reltuples: number }>('select reltuples::float8 as reltuples from pg_class where oid = $1::regclass', [table]));
  return reltuples;
}


/** Customers written by plain SQL: nothing but the database's own counters knows of them. */
async function insertBySql(db: SqlDatabase, tenant: TestTenant, prefix: string, count: number): Promise<void> {
  await db.session((s) => s.query(
    `insert into customers (organization_id, created_by, name, environment)
     select $1, $2, $3 || ' ' || g, 'test' from generate_series(1, $4::int) g`,
    [tenant.organizationId, tenant.merchantId, prefix, count],
  ));
}

describe('planner statistics after a seed', () => {
  const db = useTestDatabase();

  test('seeding analyses the domain tables, so the next plans see the rows', async () => {
    const tenant = await createTenant(db);
    const before = await plannerRows(db, 'transactions');
    const seeded = await seedDemoCustomers(db, {
      organizationId: tenant.organizationId, environment: tenant.environment, customers: 2000, transactionsPerCustomer: 3,
    });
    expect(seeded.customers).toBe(2000);
    expect(await plannerRows(db, 'customers')).toBeGreaterThanOrEqual(2000);
    expect(await plannerRows(db, 'transactions')).toBeGreaterThanOrEqual(Math.max(before, 0) + seeded.transactions * 0.9);
  }, 120_000);
});

(usingPostgres() ? describe.skip : describe)('planner statistics on the embedded database (it has no autovacuum)', () => {
  test('migrating a new database analyses its tables', async () => {
    const fresh = await memoryDatabase();
    try {
      await migrate(fresh);
      // 0 rows known, rather than -1 "never analysed" (the planner then guesses ten pages' worth)
      expect(await plannerRows(fresh, 'customers')).toBe(0);
      expect(await plannerRows(fresh, 'transactions')).toBe(0);
    } finally {
      await fresh.close();
    }
  }, 120_000);

  describe('after enough writes', () => {
    let db: PgliteDatabase;
    beforeAll(async () => {
      db = await openTestEmbeddedDatabase({ statisticsCheckMs: 200 });
    });
    afterAll(async () => {
      await db.close();
    });

    test('a table changed by more than 10% (and 50 rows) since its last ANALYZE is analysed again, by itself, soon after', async () => {
      expect(await db.refreshStatistics()).toEqual([]);
      const tenant = await createTenant(db);
      await insertBySql(db, tenant, 'Bulk', 1000);
      const deadline = Date.now() + 20_000;
      let rows = await plannerRows(db, 'customers');
      while (rows < 1000 && Date.now() < deadline) {
        await sleep(200);
        rows = await plannerRows(db, 'customers');
      }
      expect(rows).toBeGreaterThanOrEqual(1000);
    }, 60_000);

    test('a small change is left to the next check, like autovacuum would', async () => {
      expect(await db.refreshStatistics()).toEqual([]);
      const tenant = await createTenant(db);
      await insertBySql(db, tenant, 'Few', 20);
      expect(await db.refreshStatistics()).not.toContain('public.customers');
      await insertBySql(db, tenant, 'More', 400);
      // by hand here (the worker may get there first, which leaves nothing to do by hand)
      await db.refreshStatistics();
      expect(await plannerRows(db, 'customers')).toBeGreaterThanOrEqual(1420);
    }, 60_000);
  });
});

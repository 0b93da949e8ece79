/**
 * Exact totals kept by the database (schema/sql/015): count_customers_with_status answers the
 * unfiltered total, and the total of one type, from per-tenant counters that triggers on
 * customers keep. Whatever writes the table (the domain functions, the seed, plain SQL, in
 * one statement or many, committed or rolled back), the answer is count(*) of the tenant's
 * live rows. Runs on every backend; the concurrent writers run on PostgreSQL only.
 */
import { migrate, readMigrations } from '../../src/db/migrate';
import { postgresDatabase } from '../../src/db/pg-database';
import type { SqlDatabase, SqlSession } from '../../src/db/sql-database';
import { functionCall } from '../../src/db/sql-database';
import { useTestDatabase } from '../helpers/database';
import { addCustomer, addTransaction, countCustomers, errorKind } from '../helpers/customers';
import { withFreshDatabase } from '../helpers/scratch-database';
import { createOrganization, type TestTenant } from '../helpers/tenants';
import { RUN_DB_URL_VAR, usingPostgres } from '../helpers/test-env';

const TYPES = ['all', 'business', 'individual'] as const;
type Totals = Record<(typeof TYPES)[number], number>;

/** The truth: count(*) of the tenant's live rows, of every type and of each. */
async function counted(s: SqlSession, t: TestTenant): Promise<Totals> {
  const [row] = await s.query<Totals>(
    `select count(*)::int as "all", (count(*) filter (where is_business))::int as business,
            (count(*) filter (where not is_business))::int as individual
     from customers where organization_id = $1 and environment = $2 and not is_deleted`,
    [t.organizationId, t.environment],
  );
  return row;
}

/** What totalCount says: count_customers_with_status for each type, no other filter. */
async function kept(s: SqlSession, t: TestTenant): Promise<Totals> {
  const totals = {} as Totals;
  for (const type of TYPES) {
    const { text, values } = functionCall('count_customers_with_status', {
      p_organization_id: t.organizationId, p_environment: t.environment, p_customer_type: type,
    });
    const [row] = await s.query<{ total_count: number | string }>(text, values);
    totals[type] = Number(row.total_count);
  }
  return totals;
}

const scope = (t: TestTenant) => ({ p_organization_id: t.organizationId, p_environment: t.environment });

async function call(db: SqlDatabase, fn: 'delete_customer' | 'restore_customer' | 'erase_customer' | 'update_customer', t: TestTenant, id: string, extra: Record<string, unknown> = {}): Promise<unknown[]> {
  return db.rpc(fn, { ...scope(t), p_customer_id: id, ...extra });
}

describe('the total of a tenant follows every change, written any way', () => {
  const db = useTestDatabase();
  let t: TestTenant;
  let otherOrg: TestTenant;
  let otherEnv: TestTenant;

  /** Every tenant's kept totals equal its count(*), and this tenant's are `expected`. */
  async function expectTotals(expected: Totals): Promise<void> {
    await db.session(async (s) => {
      expect(await kept(s, t)).toEqual(expected);
      expect(await counted(s, t)).toEqual(expected);
      // the neighbours, untouched by this tenant's writes
      expect(await kept(s, otherOrg)).toEqual({ all: 2, business: 1, individual: 1 });
      expect(await kept(s, otherEnv)).toEqual({ all: 1, business: 0, individual: 1 });
    });
  }

  beforeAll(async () => {
    const org = await createOrganization(db);
    t = { ...org, environment: 'live' };
    otherEnv = { ...org, environment: 'test' };
    otherOrg = { ...(await createOrganization(db)), environment: 'live' };
    await addCustomer(db, otherOrg, { is_business: true });
    await addCustomer(db, otherOrg);
    await addCustomer(db, otherEnv);
  });

  test('a new tenant counts nothing', async () => {
    await expectTotals({ all: 0, business: 0, individual: 0 });
  });

  test('creates, deletes, restores, erases and type changes through the functions', async () => {
    const people = [];
    for (let i = 0; i < 3; i++) people.push((await addCustomer(db, t)).customer_id);
    const firms = [];
    for (let i = 0; i < 2; i++) firms.push((await addCustomer(db, t, { is_business: true })).customer_id);
    await expectTotals({ all: 5, business: 2, individual: 3 });

    expect(await call(db, 'delete_customer', t, people[0])).toEqual([{ deleted: true }]);
    await expectTotals({ all: 4, business: 2, individual: 2 });
    // a second delete deletes nothing
    expect(await call(db, 'delete_customer', t, people[0])).toEqual([{ deleted: false }]);
    await expectTotals({ all: 4, business: 2, individual: 2 });

    expect(await call(db, 'restore_customer', t, people[0])).toHaveLength(1);
    await expectTotals({ all: 5, business: 2, individual: 3 });
    // restoring a live customer returns it unchanged
    expect(await call(db, 'restore_customer', t, people[0])).toHaveLength(1);
    await expectTotals({ all: 5, business: 2, individual: 3 });

    // erasing a live customer deletes it; a second erase does nothing
    expect(await call(db, 'erase_customer', t, firms[0], { p_merchant_id: t.merchantId })).toEqual([{ erased: true }]);
    await expectTotals({ all: 4, business: 1, individual: 3 });
    expect(await call(db, 'erase_customer', t, firms[0], { p_merchant_id: t.merchantId })).toEqual([{ erased: false }]);
    // an erased customer cannot be restored
    expect(await call(db, 'restore_customer', t, firms[0])).toEqual([]);
    await expectTotals({ all: 4, business: 1, individual: 3 });

    // erasing a deleted customer changes no count
    await call(db, 'delete_customer', t, people[1]);
    await expectTotals({ all: 3, business: 1, individual: 2 });
    expect(await call(db, 'erase_customer', t, people[1], { p_merchant_id: t.merchantId })).toEqual([{ erased: true }]);
    await expectTotals({ all: 3, business: 1, individual: 2 });

    // a live customer changing type moves between the two counts
    await call(db, 'update_customer', t, people[2], { p_patch: { is_business: true } });
    await expectTotals({ all: 3, business: 2, individual: 1 });
    // an edit that leaves the type alone, and an update of a deleted customer, move nothing
    await call(db, 'update_customer', t, people[2], { p_patch: { name: 'Renamed', is_business: true } });
    await call(db, 'update_customer', t, people[1], { p_patch: { is_business: true } });
    await expectTotals({ all: 3, business: 2, individual: 1 });
  });

  test('plain SQL: many rows in one statement, deleted rows, type changes of deleted rows, hard deletes', async () => {
    const before = await db.session((s) => counted(s, t));
    const ids = await db.session(async (s) => {
      const rows = await s.query<{ customer_id: string }>(
        `insert into customers (organization_id, created_by, name, environment, is_business, is_deleted, deleted_at)
         select $1, $2, 'Bulk ' || g, 'live', g % 3 = 0, g % 4 = 0, case when g % 4 = 0 then now() end
         from generate_series(1, 12) g
         returning customer_id`,
        [t.organizationId, t.merchantId],
      );
      return rows.map((row) => row.customer_id);
    });
    // 12 rows: 3 deleted (4, 8, 12); of the 9 live ones, 3 businesses (3, 6, 9)
    await expectTotals({ all: before.all + 9, business: before.business + 3, individual: before.individual + 6 });

    await db.session(async (s) => {
      // one statement deleting five live rows (1, 2, 3, 5, 6) and touching a deleted one (4)
      await s.query('update customers set is_deleted = true, deleted_at = now() where customer_id = any($1)', [ids.slice(0, 6)]);
      // a deleted row changing type, a deleted row restored by hand, a live row changing type
      await s.query('update customers set is_business = not is_business where customer_id = $1', [ids[7]]);
      await s.query('update customers set is_deleted = false, deleted_at = null where customer_id = $1', [ids[11]]);
      await s.query('update customers set is_business = true where customer_id = $1', [ids[6]]);
    });
    // live now: 7, 9, 10, 11 (9 and 7 businesses) and 12 (a business: 12 % 3 = 0)
    await expectTotals({ all: before.all + 5, business: before.business + 3, individual: before.individual + 2 });

    // hard deletes: a live row, a deleted row, and a live row with a transaction (after it)
    await addTransaction(db, t, ids[9]);
    await db.session(async (s) => {
      await s.query('delete from transactions where customer_id = $1', [ids[9]]);
      await s.query('delete from customers where customer_id = any($1)', [[ids[8], ids[0], ids[9]]]);
    });
    await expectTotals({ all: before.all + 3, business: before.business + 2, individual: before.individual + 1 });
  });

  test('a rolled-back transaction leaves the totals as they were', async () => {
    const before = await db.session((s) => counted(s, t));
    const [live] = await db.session((s) => s.query<{ customer_id: string }>(
      'select customer_id from customers where organization_id = $1 and environment = $2 and not is_deleted limit 1', [t.organizationId, t.environment]));
    await expect(db.session((s) => s.transaction(async (tx) => {
      const create = functionCall('create_customer', { ...scope(t), p_merchant_id: t.merchantId, p_name: 'Never', p_is_business: true });
      await tx.query(create.text, create.values);
      const remove = functionCall('delete_customer', { ...scope(t), p_customer_id: live.customer_id });
      await tx.query(remove.text, remove.values);
      throw new Error('rolled back on purpose');
    }))).rejects.toThrow('rolled back on purpose');
    await expectTotals(before);
  });

  test('a seed of many customers in one statement', async () => {
    const before = await db.session((s) => counted(s, t));
    await db.rpc('seed_demo_customers', { ...scope(t), p_customers: 300, p_transactions_per_customer: 1 });
    const after = await db.session((s) => counted(s, t));
    expect(after.all).toBe(before.all + 300);
    await expectTotals(after);
  });

  test('a customer moved to another environment by plain SQL leaves one count for the other', async () => {
    const moved = await addCustomer(db, t, { is_business: true });
    const before = await db.session((s) => counted(s, t));
    await db.session((s) => s.query("update customers set environment = 'test' where customer_id = $1", [moved.customer_id]));
    await db.session(async (s) => {
      expect(await kept(s, t)).toEqual({ all: before.all - 1, business: before.business - 1, individual: before.individual });
      expect(await kept(s, otherEnv)).toEqual({ all: 2, business: 1, individual: 1 });
      expect(await kept(s, otherEnv)).toEqual(await counted(s, otherEnv));
      // and back, so the other tests' neighbour stays as it was
      await s.query("update customers set environment = 'live' where customer_id = $1", [moved.customer_id]);
      expect(await kept(s, t)).toEqual(before);
      expect(await kept(s, otherEnv)).toEqual({ all: 1, business: 0, individual: 1 });
    });
  });

  test('filters the counters cannot answer (search, activity, with or without a type) are counted row by row, as before', async () => {
    const a = await addCustomer(db, t, { name: 'Counted Searchable', is_business: true });
    await addTransaction(db, t, a.customer_id, { status: 'completed' });
    await addCustomer(db, t, { name: 'Counted Searchable Too' });
    const exact = async (where: string) => {
      const [{ n }] = await db.session((s) => s.query<{ n: number }>(
        `select count(*)::int as n from customers c where organization_id = $1 and environment = $2 and not is_deleted and ${where}`,
        [t.organizationId, t.environment]));
      return n;
    };
    const settled = "exists (select 1 from transactions x where x.customer_id = c.customer_id and x.status in ('completed', 'refunded'))";
    expect(await countCustomers(db, t, { p_search_term: 'counted searchable' })).toBe(2);
    expect(await countCustomers(db, t, { p_search_term: 'counted searchable', p_customer_type: 'business' })).toBe(1);
    expect(await countCustomers(db, t, { p_activity_status: 'active' })).toBe(await exact(settled));
    expect(await countCustomers(db, t, { p_activity_status: 'inactive', p_customer_type: 'individual' })).toBe(await exact(`not ${settled} and not is_business`));
    // upper case, and blank searches, are the unfiltered total
    expect(await countCustomers(db, t, { p_search_term: '  ', p_customer_type: 'BUSINESS', p_activity_status: 'ALL' }))
      .toBe(await exact('is_business'));
  });

  test('bad filters are refused as before', async () => {
    expect(await errorKind(countCustomers(db, t, { p_customer_type: 'company' }))).toBe('invalid_input');
    expect(await errorKind(countCustomers(db, t, { p_activity_status: 'dormant' }))).toBe('invalid_input');
    expect(await errorKind(countCustomers(db, { ...t, environment: 'staging' as 'live' }))).toBe('invalid_input');
  });

  test('the unfiltered total reads the counters, not the rows: a write that skips triggers is not seen', async () => {
    // session_replication_role = replica (a logical replica applying changes) fires no
    // ordinary trigger; see docs/scaling.md for recounting after such writes
    await expect(db.session((s) => s.transaction(async (tx) => {
      const before = await counted(tx, t);
      await tx.query('set local session_replication_role = replica');
      await tx.query("insert into customers (organization_id, created_by, name, environment) values ($1, $2, 'Unseen', 'live')", [t.organizationId, t.merchantId]);
      await tx.query('set local session_replication_role = origin');
      expect((await counted(tx, t)).all).toBe(before.all + 1);
      expect((await kept(tx, t)).all).toBe(before.all);
      throw new Error('rolled back on purpose');
    }))).rejects.toThrow('rolled back on purpose');
  });
});

describe('four tenants (two organizations, two environments): a count never includes another tenant', () => {
  const db = useTestDatabase();

  test('each tenant\'s totals are its own rows', async () => {
    const a = await createOrganization(db);
    const b = await createOrganization(db);
    const tenants: TestTenant[] = [
      { ...a, environment: 'live' }, { ...a, environment: 'test' }, { ...b, environment: 'live' }, { ...b, environment: 'test' },
    ];
    // distinct shapes: tenant i has i + 1 individuals and i businesses, then deletes one of each kind it has
    for (const [i, tenant] of tenants.entries()) {
      const ids = [];
      for (let k = 0; k <= i; k++) ids.push((await addCustomer(db, tenant)).customer_id);
      for (let k = 0; k < i; k++) ids.push((await addCustomer(db, tenant, { is_business: true })).customer_id);
      await db.rpc('delete_customer', { ...scope(tenant), p_customer_id: ids[0] });
      if (i > 0) await db.rpc('delete_customer', { ...scope(tenant), p_customer_id: ids[ids.length - 1] });
    }
    await db.session(async (s) => {
      for (const [i, tenant] of tenants.entries()) {
        const businesses = Math.max(i - 1, 0);
        expect(await kept(s, tenant)).toEqual({ all: i + businesses, business: businesses, individual: i });
        expect(await kept(s, tenant)).toEqual(await counted(s, tenant));
      }
    });
    // the same ids called as another tenant change nothing
    const [victim] = await db.session((s) => s.query<{ customer_id: string }>(
      'select customer_id from customers where organization_id = $1 and environment = $2 and not is_deleted limit 1', [a.organizationId, 'test']));
    for (const intruder of [tenants[0], tenants[2], tenants[3]]) {
      expect(await db.rpc('delete_customer', { ...scope(intruder), p_customer_id: victim.customer_id })).toEqual([{ deleted: false }]);
      expect(await db.rpc('erase_customer', { ...scope(intruder), p_customer_id: victim.customer_id, p_merchant_id: intruder.merchantId })).toEqual([{ erased: false }]);
    }
    await db.session(async (s) => {
      for (const tenant of tenants) expect(await kept(s, tenant)).toEqual(await counted(s, tenant));
    });
  });
});

describe('migration 015 on existing customers', () => {
  test('counts the live rows already there (deleted and erased ones not), per type; the triggers count what follows', async () => {
    await withFreshDatabase(async (db) => {
      const all = readMigrations();
      await migrate(db, all.filter((m) => m.version < '015'));
      const org = await createOrganization(db, 'Before 015');
      const live: TestTenant = { ...org, environment: 'live' };
      const test: TestTenant = { ...org, environment: 'test' };
      await db.session((s) => s.query(
        `insert into customers (organization_id, created_by, name, environment, is_business)
         select $1, $2, 'Existing ' || g, case when g % 5 = 0 then 'test' else 'live' end, g % 2 = 0
         from generate_series(1, 40) g`,
        [org.organizationId, org.merchantId]));
      const [gone, erased] = await db.session((s) => s.query<{ customer_id: string }>(
        "select customer_id from customers where environment = 'live' order by name limit 2"));
      await db.rpc('delete_customer', { ...scope(live), p_customer_id: gone.customer_id });
      await db.rpc('erase_customer', { ...scope(live), p_customer_id: erased.customer_id, p_merchant_id: org.merchantId });

      expect(await migrate(db, all)).toEqual(all.filter((m) => m.version >= '015').map((m) => m.version));
      await db.session(async (s) => {
        expect(await kept(s, live)).toEqual(await counted(s, live));
        expect((await kept(s, live)).all).toBe(30);
        expect(await kept(s, test)).toEqual({ all: 8, business: 4, individual: 4 });
      });

      await addCustomer(db, live, { is_business: true });
      await db.rpc('restore_customer', { ...scope(live), p_customer_id: gone.customer_id });
      await db.session(async (s) => {
        expect(await kept(s, live)).toEqual(await counted(s, live));
        expect((await kept(s, live)).all).toBe(32);
      });
    });
  });
});

/**
 * Many connections writing one tenant and a second one at once: creates, deletes, restores,
 * erases, type changes, and races on purpose (a delete against a restore of the same customer,
 * two deletes of one, an erase of a deleted one against its restore, transactions that roll
 * back). Readers meanwhile compare the kept totals with count(*) in one snapshot; at the end,
 * every tenant's totals are its count(*).
 */
(usingPostgres() ? describe : describe.skip)('concurrent writers (PostgreSQL)', () => {
  const WRITERS = 16;
  const ROUNDS = 60;
  let db: SqlDatabase;
  let tenants: TestTenant[];

  beforeAll(async () => {
    db = postgresDatabase({ connectionString: String(process.env[RUN_DB_URL_VAR]), statementTimeoutMs: 60_000, poolSize: WRITERS + 2 });
    const a = await createOrganization(db);
    const b = await createOrganization(db);
    tenants = [{ ...a, environment: 'live' }, { ...b, environment: 'live' }, { ...a, environment: 'test' }];
  });
  afterAll(async () => {
    await db?.close();
  });

  class RolledBack extends Error {}

  /** A small seeded generator, so a failing run can be told apart by its seed. */
  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let x = state;
      x = Math.imul(x ^ (x >>> 15), x | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
  }

  test('the kept totals equal count(*) of every tenant and type, during and after', async () => {
    const seed = Date.now() % 1_000_000;
    const known = new Map<TestTenant, string[]>(tenants.map((t) => [t, []]));
    const create = async (t: TestTenant, business: boolean) => {
      const [row] = await db.rpc<{ customer_id: string }>('create_customer', {
        ...scope(t), p_merchant_id: t.merchantId, p_name: 'Concurrent', p_is_business: business,
      });
      known.get(t)?.push(row.customer_id);
    };
    // what the writers really did, from the functions' answers
    const done = { deleted: 0, restored: 0, erased: 0 };
    const remove = async (t: TestTenant, id: string) => {
      const [row] = await db.rpc<{ deleted: boolean }>('delete_customer', { ...scope(t), p_customer_id: id });
      if (row.deleted) done.deleted++;
    };
    const restore = async (t: TestTenant, id: string) => {
      const rows = await db.rpc('restore_customer', { ...scope(t), p_customer_id: id });
      done.restored += rows.length;
    };
    const erase = async (t: TestTenant, id: string) => {
      const [row] = await db.rpc<{ erased: boolean }>('erase_customer', { ...scope(t), p_customer_id: id, p_merchant_id: t.merchantId });
      if (row.erased) done.erased++;
    };
    const flip = (t: TestTenant, id: string, business: boolean) => db.rpc('update_customer', { ...scope(t), p_customer_id: id, p_patch: { is_business: business } });

    // every tenant starts with some customers, so the races have targets from the start
    for (const t of tenants) for (let i = 0; i < 6; i++) await create(t, i % 3 === 0);

    let writing = true;
    const mismatches: unknown[] = [];
    let snapshots = 0;
    const reader = (async () => {
      while (writing) {
        await db.session((s) => s.transaction(async (tx) => {
          await tx.query('set transaction isolation level repeatable read');
          for (const t of tenants) {
            const [seen, truth] = [await kept(tx, t), await counted(tx, t)];
            if (JSON.stringify(seen) !== JSON.stringify(truth) && mismatches.length < 5) mismatches.push({ tenant: t.organizationId, environment: t.environment, seen, truth });
          }
        }));
        snapshots++;
      }
    })();

    const writer = async (w: number) => {
      const next = random(seed * 100 + w);
      const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
      for (let round = 0; round < ROUNDS; round++) {
        // most writes in the first tenant; the others interleave
        const t = next() < 0.7 ? tenants[0] : pick(tenants.slice(1));
        const id = pick(known.get(t) ?? []);
        const action = Math.floor(next() * 9);
        switch (action) {
          case 0:
          case 1:
            await create(t, next() < 0.3);
            break;
          case 2:
            await remove(t, id);
            break;
          case 3:
            await restore(t, id);
            break;
          case 4:
            // a delete racing a restore of the same customer
            await Promise.all([remove(t, id), restore(t, id)]);
            break;
          case 5:
            // two deletes of one customer: one of them deletes
            await Promise.all([remove(t, id), remove(t, id)]);
            break;
          case 6:
            // an erase of a deleted customer racing its restore, and a live one's erase
            await remove(t, id);
            await Promise.all([erase(t, id), restore(t, id), erase(t, pick(known.get(t) ?? []))]);
            break;
          case 7:
            await Promise.all([flip(t, id, true), flip(t, id, false), remove(t, pick(known.get(t) ?? []))]);
            break;
          default:
            // a transaction that creates two customers of one type and deletes one of them,
            // committed or rolled back (one counter: see docs/scaling.md on transactions that
            // write several types or tenants)
            await db.session((s) => s.transaction(async (tx) => {
              const business = next() < 0.5;
              const made: string[] = [];
              for (let k = 0; k < 2; k++) {
                const c = functionCall('create_customer', { ...scope(t), p_merchant_id: t.merchantId, p_name: 'In a transaction', p_is_business: business });
                made.push((await tx.query<{ customer_id: string }>(c.text, c.values))[0].customer_id);
              }
              const d = functionCall('delete_customer', { ...scope(t), p_customer_id: made[0] });
              await tx.query(d.text, d.values);
              if (next() < 0.5) throw new RolledBack();
              known.get(t)?.push(...made);
            })).catch((error: unknown) => {
              if (!(error instanceof RolledBack)) throw error;
            });
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    } finally {
      writing = false;
      await reader;
    }

    await db.session(async (s) => {
      const finals = [];
      for (const t of tenants) finals.push({ environment: t.environment, seen: await kept(s, t), truth: await counted(s, t) });
      expect({ seed, mismatches, finals: finals.filter((f) => JSON.stringify(f.seen) !== JSON.stringify(f.truth)) })
        .toEqual({ seed, mismatches: [], finals: [] });
    });
    // the run did what it says: creates in every tenant, and deletes, restores and erasures that
    // took effect (restores count live customers returned unchanged too)
    expect(snapshots).toBeGreaterThan(0);
    for (const t of tenants) expect((known.get(t) ?? []).length).toBeGreaterThan(20);
    expect(done.deleted).toBeGreaterThan(20);
    expect(done.restored).toBeGreaterThan(20);
    expect(done.erased).toBeGreaterThan(5);
  }, 240_000);
});

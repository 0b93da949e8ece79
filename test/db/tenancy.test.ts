import type { SqlDatabase } from '../../src/db/sql-database';
import { callSqlFunction, openTestDatabase } from '../helpers/database';
import { addCustomer, addTransaction, countCustomers, listCustomers, storedCustomer } from '../helpers/customers';
import { createOrganization, type TestTenant } from '../helpers/tenants';

/**
 * Two organizations, each in both environments: four tenants holding look-alike customers.
 * Every function, called as one tenant, must see and touch that tenant's rows only.
 */
let db: SqlDatabase;
let tenants: TestTenant[];
const customerOf = new Map<TestTenant, string>();

beforeAll(async () => {
  db = await openTestDatabase();
  const a = await createOrganization(db);
  const b = await createOrganization(db);
  tenants = [
    { ...a, environment: 'test' }, { ...a, environment: 'live' },
    { ...b, environment: 'test' }, { ...b, environment: 'live' },
  ];
  for (const t of tenants) {
    const c = await addCustomer(db, t, { name: 'Shared Name', email: 'shared@example.com' });
    await addTransaction(db, t, c.customer_id, { status: 'completed' });
    customerOf.set(t, c.customer_id);
  }
});
afterAll(async () => {
  await db.close();
});

const args = (t: TestTenant) => ({ p_organization_id: t.organizationId, p_environment: t.environment });
const allIds = () => [...customerOf.values()];
const othersOf = (t: TestTenant) => tenants.filter((other) => other !== t);

describe('every function, called as one of four tenants, sees only that tenant', () => {
  test('fetch_customers_with_status and count_customers_with_status', async () => {
    for (const t of tenants) {
      for (const filters of [{}, { p_search_term: 'shared' }, { p_activity_status: 'active' }, { p_customer_type: 'individual' }]) {
        const rows = await listCustomers(db, t, filters);
        expect(rows.map((row) => row.customer_id)).toEqual([customerOf.get(t)]);
        expect(rows[0]).toMatchObject({ organization_id: t.organizationId, environment: t.environment, total_count: 1 });
        expect(await countCustomers(db, t, filters)).toBe(1);
      }
    }
  });

  test('get_customer_by_organization and get_customers_by_ids', async () => {
    for (const t of tenants) {
      for (const other of othersOf(t)) {
        expect(await callSqlFunction(db, 'get_customer_by_organization', { ...args(t), p_customer_id: customerOf.get(other) })).toEqual([]);
      }
      const rows = await db.rpc<{ customer_id: string }>('get_customers_by_ids', { ...args(t), p_customer_ids: allIds() });
      expect(rows.map((row) => row.customer_id)).toEqual([customerOf.get(t)]);
    }
  });

  test('fetch_customer_transactions and fetch_transactions_for_customers', async () => {
    for (const t of tenants) {
      expect(await callSqlFunction(db, 'fetch_customer_transactions', { ...args(t), p_customer_id: customerOf.get(t) })).toHaveLength(1);
      for (const other of othersOf(t)) {
        expect(await callSqlFunction(db, 'fetch_customer_transactions', { ...args(t), p_customer_id: customerOf.get(other) })).toEqual([]);
      }
      const rows = await db.rpc<{ customer_id: string }>('fetch_transactions_for_customers', { ...args(t), p_customer_ids: allIds() });
      expect(rows.map((row) => row.customer_id)).toEqual([customerOf.get(t)]);
    }
  });

  test("update_customer and delete_customer cannot reach another tenant's customer", async () => {
    for (const t of tenants) {
      for (const other of othersOf(t)) {
        const id = customerOf.get(other);
        expect(await db.rpc('update_customer', { ...args(t), p_customer_id: id, p_patch: { name: 'Taken over' } })).toEqual([]);
        expect(await db.rpc('delete_customer', { ...args(t), p_customer_id: id })).toEqual([{ deleted: false }]);
      }
    }
    for (const id of allIds()) expect(await storedCustomer(db, id)).toMatchObject({ name: 'Shared Name', is_deleted: false });
  });

  test('create_customer writes into the calling tenant only', async () => {
    const created = new Map<TestTenant, string>();
    for (const t of tenants) {
      const c = await addCustomer(db, t, { name: 'Fresh' });
      created.set(t, c.customer_id);
      expect(await storedCustomer(db, c.customer_id)).toMatchObject({
        organization_id: t.organizationId, environment: t.environment, created_by: t.merchantId,
      });
    }
    for (const t of tenants) {
      const rows = await listCustomers(db, t, { p_search_term: 'fresh' });
      expect(rows.map((row) => row.customer_id)).toEqual([created.get(t)]);
    }
  });

  test('seed_demo_customers fills the given tenant only', async () => {
    const [t, ...others] = tenants;
    const before = await Promise.all(others.map((other) => countCustomers(db, other)));
    const [seeded] = await db.rpc<{ customers: number }>('seed_demo_customers', { ...args(t), p_customers: 20, p_transactions_per_customer: 2 });
    expect(seeded.customers).toBe(20);
    expect(await Promise.all(others.map((other) => countCustomers(db, other)))).toEqual(before);
  });
});

describe('API keys', () => {
  test("a key verifies to its own organization and environment, and lists under its organization only", async () => {
    const made = [];
    for (const t of tenants) {
      const hash = `${tenants.indexOf(t)}`.padStart(64, 'a');
      const [row] = await db.rpc<{ api_key_id: string }>('create_api_key', { ...args(t), p_key_hash: hash, p_key_prefix: 'lomi_test_x' });
      made.push({ t, hash, id: row.api_key_id });
    }
    for (const { t, hash, id } of made) {
      expect(await db.rpc('verify_api_key', { p_key_hash: hash })).toEqual([
        { api_key_id: id, organization_id: t.organizationId, merchant_id: t.merchantId, environment: t.environment, expires_at: null },
      ]);
      const listed = await db.rpc<{ api_key_id: string }>('list_api_keys', { p_organization_id: t.organizationId });
      const sameOrganization = made.filter((m) => m.t.organizationId === t.organizationId).map((m) => m.id);
      expect(listed.map((row) => row.api_key_id).sort()).toEqual(sameOrganization.sort());
    }
  });
});

import { callSqlFunction, useTestDatabase } from '../helpers/database';
import { addCustomer, addTransaction, countCustomers, listCustomers, storedCustomer } from '../helpers/customers';
import { createTenant, type TestTenant } from '../helpers/tenants';

const db = useTestDatabase();

async function deleteCustomer(customerId: string, tenant: TestTenant): Promise<boolean> {
  const [row] = await db.rpc<{ deleted: boolean }>('delete_customer', {
    p_customer_id: customerId, p_organization_id: tenant.organizationId, p_environment: tenant.environment,
  });
  return row.deleted;
}

describe('delete_customer', () => {
  test('is soft: the row and its data stay, marked deleted', async () => {
    const t = await createTenant(db);
    const c = await addCustomer(db, t, { name: 'Kept', email: 'kept@example.com' });
    expect(await deleteCustomer(c.customer_id, t)).toBe(true);
    const stored = await storedCustomer(db, c.customer_id);
    expect(stored).toMatchObject({ name: 'Kept', email: 'kept@example.com', is_deleted: true });
    expect(stored?.deleted_at).toBeInstanceOf(Date);
  });

  test('a second call returns false and keeps the first deletion time', async () => {
    const t = await createTenant(db);
    const c = await addCustomer(db, t);
    expect(await deleteCustomer(c.customer_id, t)).toBe(true);
    const first = (await storedCustomer(db, c.customer_id))?.deleted_at;
    expect(await deleteCustomer(c.customer_id, t)).toBe(false);
    expect((await storedCustomer(db, c.customer_id))?.deleted_at).toEqual(first);
  });

  test("another organization's or environment's customer is not deleted", async () => {
    const t = await createTenant(db);
    const other = await createTenant(db);
    const c = await addCustomer(db, t);
    expect(await deleteCustomer(c.customer_id, other)).toBe(false);
    expect(await deleteCustomer(c.customer_id, { ...t, environment: 'live' })).toBe(false);
    expect((await storedCustomer(db, c.customer_id))?.is_deleted).toBe(false);
  });

  test('an unknown customer returns false', async () => {
    const t = await createTenant(db);
    expect(await deleteCustomer('00000000-0000-4000-8000-000000000000', t)).toBe(false);
  });
});

describe('a deleted customer is invisible to every function', () => {
  let t: TestTenant;
  let deletedId: string;
  let keptId: string;
  beforeAll(async () => {
    t = await createTenant(db);
    const deleted = await addCustomer(db, t, { name: 'Gone Away', email: 'gone@example.com' });
    const kept = await addCustomer(db, t, { name: 'Still Here' });
    deletedId = deleted.customer_id;
    keptId = kept.customer_id;
    await addTransaction(db, t, deletedId, { status: 'completed' });
    await addTransaction(db, t, keptId, { status: 'completed' });
    await deleteCustomer(deletedId, t);
  });
  const tenantArgs = () => ({ p_organization_id: t.organizationId, p_environment: t.environment });

  test('list, search, activity filters and counts', async () => {
    for (const filters of [{}, { p_search_term: 'gone' }, { p_activity_status: 'active' }, { p_activity_status: 'inactive' }]) {
      const ids = (await listCustomers(db, t, filters)).map((row) => row.customer_id);
      expect(ids).not.toContain(deletedId);
    }
    expect(await countCustomers(db, t)).toBe(1);
    expect(await countCustomers(db, t, { p_search_term: 'gone' })).toBe(0);
    expect(await countCustomers(db, t, { p_activity_status: 'active' })).toBe(1);
    expect(await countCustomers(db, t, { p_activity_status: 'inactive' })).toBe(0);
  });

  test('get by id and by ids', async () => {
    expect(await callSqlFunction(db, 'get_customer_by_organization', { ...tenantArgs(), p_customer_id: deletedId })).toEqual([]);
    const rows = await db.rpc<{ customer_id: string }>('get_customers_by_ids', { ...tenantArgs(), p_customer_ids: [deletedId, keptId] });
    expect(rows.map((row) => row.customer_id)).toEqual([keptId]);
  });

  test('update and delete', async () => {
    expect(await db.rpc('update_customer', { ...tenantArgs(), p_customer_id: deletedId, p_patch: { name: 'x' } })).toEqual([]);
    expect(await deleteCustomer(deletedId, t)).toBe(false);
  });

  test('transactions, single and batched', async () => {
    expect(await callSqlFunction(db, 'fetch_customer_transactions', { ...tenantArgs(), p_customer_id: deletedId })).toEqual([]);
    const rows = await db.rpc<{ customer_id: string }>('fetch_transactions_for_customers', { ...tenantArgs(), p_customer_ids: [deletedId, keptId] });
    expect(rows.map((row) => row.customer_id)).toEqual([keptId]);
  });
});

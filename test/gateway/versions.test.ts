/**
 * Optimistic concurrency: Customer.version, kept by a database trigger, and expectedVersion on
 * updateCustomer and deleteCustomer. Runs on every backend of the run.
 */
import { storedCustomer } from '../helpers/customers';
import { useGateway } from '../helpers/gateway';

const CREATE = `mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id name email version updatedAt } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateCustomerInput!, $expectedVersion: Int) {
  updateCustomer(id: $id, input: $input, expectedVersion: $expectedVersion) { id name email version updatedAt }
}`;
const DELETE = `mutation Delete($id: ID!, $expectedVersion: Int) { deleteCustomer(id: $id, expectedVersion: $expectedVersion) { id message } }`;
const RESTORE = `mutation Restore($id: ID!) { restoreCustomer(id: $id) { id version } }`;
const GET = `query Get($id: ID!) { customer(id: $id) { id name email version } }`;

interface Row {
  id: string;
  name: string;
  email: string | null;
  version: number;
  updatedAt: string;
}

describe('Customer.version', () => {
  const { gw, tenant } = useGateway();

  const create = async (name = 'Versioned'): Promise<Row> => {
    const res = await gw.gql<{ createCustomer: Row }>(CREATE, { input: { name, email: 'v@example.com' } }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    const row = res.body.data?.createCustomer;
    if (!row) throw new Error('not created');
    return row;
  };
  const update = (id: string, input: Record<string, unknown>, expectedVersion?: number) =>
    gw.gql<{ updateCustomer: Row }>(UPDATE, { id, input, expectedVersion }, { key: tenant.key });
  const version = async (id: string): Promise<number> => Number((await storedCustomer(gw.db.inner, id))?.version);

  test('starts at 1 and grows by one with each update that changes a value', async () => {
    const c = await create();
    expect(c.version).toBe(1);
    expect((await update(c.id, { name: 'Versioned 2' })).body.data?.updateCustomer.version).toBe(2);
    expect((await update(c.id, { email: null })).body.data?.updateCustomer.version).toBe(3);
    expect((await gw.gql<{ customer: Row }>(GET, { id: c.id }, { key: tenant.key })).body.data?.customer.version).toBe(3);
  });

  test('an update that changes nothing (same values, empty input) keeps the version', async () => {
    const c = await create();
    expect((await update(c.id, { name: 'Versioned', email: 'v@example.com' })).body.data?.updateCustomer.version).toBe(1);
    expect((await update(c.id, {})).body.data?.updateCustomer.version).toBe(1);
  });

  test('delete and restore each count as a change', async () => {
    const c = await create();
    expect((await gw.gql(DELETE, { id: c.id }, { key: tenant.key })).body.errors).toBeUndefined();
    expect(await version(c.id)).toBe(2);
    const restored = await gw.gql<{ restoreCustomer: Row }>(RESTORE, { id: c.id }, { key: tenant.key });
    expect(restored.body.data?.restoreCustomer.version).toBe(3);
  });

  test('kept by the database: a plain SQL write counts, and a writer cannot set it', async () => {
    const c = await create();
    await gw.db.inner.session((s) => s.query("update customers set city = 'Thiès' where customer_id = $1", [c.id]));
    expect(await version(c.id)).toBe(2);
    await gw.db.inner.session((s) => s.query('update customers set version = 99 where customer_id = $1', [c.id]));
    expect(await version(c.id)).toBe(2);
    await gw.db.inner.session((s) => s.query('update customers set version = 99, city = null where customer_id = $1', [c.id]));
    expect(await version(c.id)).toBe(3);
  });
});

describe('expectedVersion', () => {
  const { gw, tenant } = useGateway();

  const create = async (): Promise<Row> => {
    const res = await gw.gql<{ createCustomer: Row }>(CREATE, { input: { name: 'Stale', email: 's@example.com' } }, { key: tenant.key });
    const row = res.body.data?.createCustomer;
    if (!row) throw new Error('not created');
    return row;
  };

  test('update at the expected version applies and moves the version', async () => {
    const c = await create();
    const res = await gw.gql<{ updateCustomer: Row }>(UPDATE, { id: c.id, input: { name: 'Fresh' }, expectedVersion: 1 }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.updateCustomer).toMatchObject({ name: 'Fresh', version: 2 });
  });

  test('update at another version writes nothing: CONFLICT, reason VERSION_MISMATCH, naming the current version', async () => {
    const c = await create();
    await gw.gql(UPDATE, { id: c.id, input: { name: 'Someone Else' } }, { key: tenant.key });
    const before = await storedCustomer(gw.db.inner, c.id);
    const res = await gw.gql(UPDATE, { id: c.id, input: { name: 'Mine', email: null }, expectedVersion: 1 }, { key: tenant.key });
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT', reason: 'VERSION_MISMATCH', currentVersion: 2 },
    });
    expect(res.body.errors?.[0].message).toContain('version 2');
    expect(await storedCustomer(gw.db.inner, c.id)).toEqual(before);
  });

  test('delete at another version deletes nothing; at the right one it deletes', async () => {
    const c = await create();
    const refused = await gw.gql(DELETE, { id: c.id, expectedVersion: 7 }, { key: tenant.key });
    expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', reason: 'VERSION_MISMATCH', currentVersion: 1 } });
    expect((await storedCustomer(gw.db.inner, c.id))?.is_deleted).toBe(false);
    const done = await gw.gql(DELETE, { id: c.id, expectedVersion: 1 }, { key: tenant.key });
    expect(done.body.errors).toBeUndefined();
    expect((await storedCustomer(gw.db.inner, c.id))?.is_deleted).toBe(true);
  });

  test('a missing or deleted customer is NOT_FOUND whatever the version', async () => {
    const c = await create();
    await gw.gql(DELETE, { id: c.id }, { key: tenant.key });
    for (const res of [
      await gw.gql(UPDATE, { id: c.id, input: { name: 'X' }, expectedVersion: 2 }, { key: tenant.key }),
      await gw.gql(DELETE, { id: c.id, expectedVersion: 2 }, { key: tenant.key }),
      await gw.gql(UPDATE, { id: '00000000-0000-4000-8000-000000000000', input: { name: 'X' }, expectedVersion: 1 }, { key: tenant.key }),
    ]) {
      expect(res.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
  });

  test('without expectedVersion, behaviour is unchanged (last write wins)', async () => {
    const c = await create();
    await gw.gql(UPDATE, { id: c.id, input: { name: 'One' } }, { key: tenant.key });
    const res = await gw.gql<{ updateCustomer: Row }>(UPDATE, { id: c.id, input: { name: 'Two' } }, { key: tenant.key });
    expect(res.body.data?.updateCustomer).toMatchObject({ name: 'Two', version: 3 });
  });

  test('expectedVersion below 1 is BAD_USER_INPUT', async () => {
    const c = await create();
    const res = await gw.gql(UPDATE, { id: c.id, input: { name: 'X' }, expectedVersion: 0 }, { key: tenant.key });
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

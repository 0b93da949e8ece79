/**
 * Safe retries: createCustomer's idempotencyKey. Runs on every backend of the run; the
 * concurrent case runs on PostgreSQL only (the embedded database has one session, so there
 * the same rule is checked with sequential calls).
 */
import { addCustomer } from '../helpers/customers';
import { useGateway } from '../helpers/gateway';
import type { TestTenant } from '../helpers/tenants';
import { usingPostgres } from '../helpers/test-env';

const CREATE = `mutation Create($input: CreateCustomerInput!, $key: String) {
  createCustomer(input: $input, idempotencyKey: $key) { id name email isBusiness metadata version }
}`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id name } }`;
const DELETE = `mutation Delete($id: ID!) { deleteCustomer(id: $id) { id } }`;

interface Created {
  id: string;
  name: string;
  email: string | null;
  version: number;
}

describe('createCustomer with an idempotency key', () => {
  const { gw, tenant } = useGateway();
  let n = 0;

  const newKey = () => `retry-${Date.now()}-${++n}`;
  const create = (input: Record<string, unknown>, key?: string, apiKey = tenant.key) => gw.gql<{ createCustomer: Created }>(CREATE, { input, key }, { key: apiKey });
  const customersOf = async (t: TestTenant, name: string): Promise<number> => {
    const rows = await gw.db.inner.session((s) =>
      s.query<{ n: number }>('select count(*)::int as n from customers where organization_id = $1 and environment = $2 and name = $3', [t.organizationId, t.environment, name]),
    );
    return rows[0].n;
  };

  test('the same key and input returns the first customer and creates nothing', async () => {
    const key = newKey();
    const first = await create({ name: 'Retry Once', email: 'r@example.com' }, key);
    expect(first.body.errors).toBeUndefined();
    const again = await create({ name: 'Retry Once', email: 'r@example.com' }, key);
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data?.createCustomer).toEqual(first.body.data?.createCustomer);
    expect(await customersOf(tenant, 'Retry Once')).toBe(1);
  });

  test('inputs are compared after trimming and defaults', async () => {
    const key = newKey();
    const first = await create({ name: 'Trimmed Retry', email: 'T@example.com', isBusiness: false, metadata: { a: 1, b: 2 } }, key);
    const again = await create({ name: '  Trimmed Retry ', email: 'T@example.com ', city: '  ', metadata: { b: 2, a: 1 } }, key);
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data?.createCustomer.id).toBe(first.body.data?.createCustomer.id);
    expect(await customersOf(tenant, 'Trimmed Retry')).toBe(1);
  });

  test('the customer is returned as it is now', async () => {
    const key = newKey();
    const first = await create({ name: 'Changes Later' }, key);
    const id = first.body.data?.createCustomer.id;
    await gw.gql(UPDATE, { id, input: { name: 'Changed Since' } }, { key: tenant.key });
    const again = await create({ name: 'Changes Later' }, key);
    expect(again.body.data?.createCustomer).toMatchObject({ id, name: 'Changed Since', version: 2 });
  });

  test('NOT_FOUND when the first customer was deleted since; nothing is created', async () => {
    const key = newKey();
    const first = await create({ name: 'Deleted Since' }, key);
    await gw.gql(DELETE, { id: first.body.data?.createCustomer.id }, { key: tenant.key });
    const again = await create({ name: 'Deleted Since' }, key);
    expect(again.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await customersOf(tenant, 'Deleted Since')).toBe(1);
  });

  test('the same key with another input is CONFLICT (IDEMPOTENCY_KEY_REUSED) and creates nothing', async () => {
    const key = newKey();
    await create({ name: 'First Input' }, key);
    const other = await create({ name: 'Second Input' }, key);
    expect(other.body.data).toBeNull();
    expect(other.body.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(other.body.errors?.[0].message).toMatch(/different input/);
    expect(await customersOf(tenant, 'Second Input')).toBe(0);
    const flipped = await create({ name: 'First Input', isBusiness: true }, key);
    expect(flipped.body.errors?.[0].extensions?.reason).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  test('keys are per organization and environment', async () => {
    const key = newKey();
    const mine = await create({ name: 'Scoped Key' }, key);
    const stranger = await gw.tenantWithKey();
    const theirs = await create({ name: 'Scoped Key' }, key, stranger.key);
    const live = await create({ name: 'Scoped Key' }, key, await gw.keyFor(tenant, 'live'));
    const ids = [mine, theirs, live].map((r) => r.body.data?.createCustomer.id);
    expect(new Set(ids).size).toBe(3);
  });

  test('a failed call does not use its key up', async () => {
    const key = newKey();
    const refused = await create({ name: 'Bad Email', email: 'not-an-email' }, key);
    expect(refused.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // a failure inside the function rolls back with the record too
    await expect(
      gw.db.inner.rpc('create_customer', {
        p_merchant_id: tenant.merchantId,
        p_organization_id: tenant.organizationId,
        p_environment: tenant.environment,
        p_name: 'Array Metadata',
        p_metadata: [1, 2],
        p_idempotency_key: key,
      }),
    ).rejects.toMatchObject({ kind: 'invalid_input' });
    const ok = await create({ name: 'Good Input' }, key);
    expect(ok.body.errors).toBeUndefined();
    expect(await customersOf(tenant, 'Good Input')).toBe(1);
  });

  test('keys must be 1-255 printable ASCII characters: BAD_USER_INPUT otherwise', async () => {
    for (const key of ['', 'x'.repeat(256), 'clé-accentuée', 'tab\there', 'new\nline']) {
      const res = await create({ name: 'Bad Key' }, key);
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect((await create({ name: 'Long Key OK' }, 'k'.repeat(255))).body.errors).toBeUndefined();
    expect(await customersOf(tenant, 'Bad Key')).toBe(0);
  });

  test('records hold the key, a hash of the input and the customer id: no personal data', async () => {
    const key = newKey();
    const first = await create({ name: 'Private Person', email: 'private.person@example.com', city: 'Kaolack' }, key);
    const rows = await gw.db.inner.session((s) =>
      s.query<Record<string, unknown>>('select * from idempotency_keys where organization_id = $1 and idempotency_key = $2', [tenant.organizationId, key]),
    );
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]).sort()).toEqual(['created_at', 'customer_id', 'environment', 'idempotency_key', 'input_hash', 'organization_id']);
    expect(rows[0]).toMatchObject({ customer_id: first.body.data?.createCustomer.id, idempotency_key: key });
    expect(rows[0].input_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows[0])).not.toMatch(/Private|private|Kaolack/);
  });

  test('after 24 hours a key is free again, and expired records are purged on the tenant\'s writes', async () => {
    const key = newKey();
    const first = await create({ name: 'Old Key' }, key);
    const backdate = (k: string) =>
      gw.db.inner.session((s) =>
        s.query("update idempotency_keys set created_at = now() - interval '25 hours' where organization_id = $1 and idempotency_key = $2", [tenant.organizationId, k]),
      );
    await backdate(key);
    const reused = await create({ name: 'New Use Of Old Key' }, key);
    expect(reused.body.errors).toBeUndefined();
    expect(reused.body.data?.createCustomer.id).not.toBe(first.body.data?.createCustomer.id);

    // another expired record goes with the tenant's next write, whatever it is
    const stale = newKey();
    await create({ name: 'Stale Key' }, stale);
    await backdate(stale);
    const count = async () =>
      (await gw.db.inner.session((s) => s.query<{ n: number }>('select count(*)::int as n from idempotency_keys where organization_id = $1 and idempotency_key = $2', [tenant.organizationId, stale])))[0].n;
    expect(await count()).toBe(1);
    await addCustomer(gw.db.inner, tenant, { name: 'Any Write' });
    expect(await count()).toBe(0);
  });

  test('the admin purge removes every tenant\'s expired records, and only those', async () => {
    const other = await gw.tenantWithKey();
    const expired = newKey();
    const fresh = newKey();
    await create({ name: 'Purge Me' }, expired, other.key);
    await create({ name: 'Keep Me' }, fresh, other.key);
    await gw.db.inner.session((s) =>
      s.query("update idempotency_keys set created_at = now() - interval '25 hours' where organization_id = $1 and idempotency_key = $2", [other.organizationId, expired]),
    );
    const [result] = await gw.db.inner.rpc<{ purged: number }>('purge_idempotency_keys', {});
    expect(result.purged).toBeGreaterThanOrEqual(1);
    const left = await gw.db.inner.session((s) =>
      s.query<{ idempotency_key: string }>('select idempotency_key from idempotency_keys where organization_id = $1 order by idempotency_key', [other.organizationId]),
    );
    expect(left.map((r) => r.idempotency_key)).toEqual([fresh]);
  });

  test('20 calls with one key create exactly one customer and all answer with its id', async () => {
    const key = newKey();
    const input = { name: 'Twenty Retries', email: 'twenty@example.com' };
    // On PostgreSQL the calls run at once, each on its own connection; the embedded database
    // has one session, so there they run one after another.
    const calls = usingPostgres()
      ? await Promise.all(Array.from({ length: 20 }, () => create(input, key)))
      : await Array.from({ length: 20 }).reduce<Promise<Awaited<ReturnType<typeof create>>[]>>(
          async (done) => [...(await done), await create(input, key)],
          Promise.resolve([]),
        );
    const ids = calls.map((r) => r.body.data?.createCustomer.id);
    expect(calls.flatMap((r) => r.body.errors ?? [])).toEqual([]);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await customersOf(tenant, 'Twenty Retries')).toBe(1);
  });
});

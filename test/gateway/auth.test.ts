import { generateApiKey, hashApiKey } from '../../src/auth/api-keys';
import type { TestGateway } from '../helpers/gateway';
import { useGateway } from '../helpers/gateway';
import { createTenant } from '../helpers/tenants';

const LIST = '{ customers { pagination { page } } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function revoke(gw: TestGateway, key: string): Promise<void> {
  const [tenant] = await gw.db.inner.rpc<{ organization_id: string }>('verify_api_key', {
    p_key_hash: hashApiKey(key),
  });
  const [{ api_key_id }] = await gw.db.inner.rpc<{ api_key_id: string }>('list_api_keys', { p_organization_id: tenant.organization_id });
  await gw.db.inner.rpc('revoke_api_key', { p_api_key_id: api_key_id });
}

describe('API key authentication', () => {
  const { gw } = useGateway({ AUTH_CACHE_TTL_SECONDS: '1' });

  test('a missing key is HTTP 401 "API key is missing" with code UNAUTHENTICATED', async () => {
    const res = await gw.gql(LIST);
    expect(res.status).toBe(401);
    expect(res.body.errors).toEqual([{ message: 'API key is missing', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(res.body.data).toBeUndefined();
  });

  test('an unknown key, or one of the wrong shape, is HTTP 401 "Invalid API key"', async () => {
    for (const key of [generateApiKey('lomi', 'test').key, 'not-a-key', 'x'.repeat(5000)]) {
      const res = await gw.gql(LIST, undefined, { key });
      expect(res.status).toBe(401);
      expect(res.body.errors).toEqual([{ message: 'Invalid API key', extensions: { code: 'UNAUTHENTICATED' } }]);
    }
  });

  test('a valid key works in x-api-key and in Authorization: Bearer', async () => {
    const { key } = await gw.tenantWithKey();
    expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);
    const bearer = await gw.gql(LIST, undefined, { headers: { authorization: `Bearer ${key}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.body.data).toEqual({ customers: { pagination: { page: 1 } } });
  });

  test('an expired key is refused', async () => {
    const tenant = await createTenant(gw.db.inner);
    const key = await gw.keyFor(tenant, 'test', { expiresAt: new Date(Date.now() + 1500) });
    expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);
    await sleep(2700); // past the expiry and the 1 s cache
    const res = await gw.gql(LIST, undefined, { key });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].message).toBe('Invalid API key');
  });

  test('a revoked key stops working within AUTH_CACHE_TTL_SECONDS', async () => {
    const { key } = await gw.tenantWithKey();
    expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);
    await revoke(gw, key);
    await sleep(1200);
    const res = await gw.gql(LIST, undefined, { key });
    expect(res.status).toBe(401);
  });

  test('a cached key costs no database call', async () => {
    const { key } = await gw.tenantWithKey();
    await gw.gql(LIST, undefined, { key });
    gw.db.reset();
    await gw.gql('{ customers { customers { id } } }', undefined, { key });
    expect(gw.db.names()).toEqual(['fetch_customers_with_status']);
  });

  test('introspection needs no key (the schema is public), data does', async () => {
    const res = await gw.gql('{ __schema { queryType { name } } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const mixed = await gw.gql('{ __typename customers { pagination { page } } }');
    expect(mixed.status).toBe(401);
  });
});

describe('tenancy: organizations and environments never cross', () => {
  const { gw } = useGateway();

  const CREATE = 'mutation($name: String!) { createCustomer(input: { name: $name }) { id environment organizationId } }';
  const GET = 'query($id: ID!) { customer(id: $id) { id } }';
  const NAMES = '{ customers { customers { name } pagination { totalCount } } }';

  test('a test key and a live key of one organization see separate customers', async () => {
    const tenant = await createTenant(gw.db.inner);
    const testKey = await gw.keyFor(tenant, 'test');
    const liveKey = await gw.keyFor(tenant, 'live');
    const created = await gw.gql<{ createCustomer: { id: string; environment: string; organizationId: string } }>(
      CREATE, { name: 'Test Only' }, { key: testKey });
    expect(created.body.data?.createCustomer).toMatchObject({ environment: 'TEST', organizationId: tenant.organizationId });
    await gw.gql(CREATE, { name: 'Live Only' }, { key: liveKey });

    expect((await gw.gql(NAMES, undefined, { key: testKey })).body.data).toEqual({
      customers: { customers: [{ name: 'Test Only' }], pagination: { totalCount: 1 } },
    });
    expect((await gw.gql(NAMES, undefined, { key: liveKey })).body.data).toEqual({
      customers: { customers: [{ name: 'Live Only' }], pagination: { totalCount: 1 } },
    });
    const id = created.body.data?.createCustomer.id;
    const fromLive = await gw.gql(GET, { id }, { key: liveKey });
    expect(fromLive.body.data).toEqual({ customer: null });
    expect(fromLive.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  test('another organization can neither read, change nor delete a customer', async () => {
    const owner = await gw.tenantWithKey();
    const other = await gw.tenantWithKey();
    const created = await gw.gql<{ createCustomer: { id: string } }>(CREATE, { name: 'Private' }, { key: owner.key });
    const id = created.body.data?.createCustomer.id as string;
    const message = `Customer with ID ${id} not found or access denied`;

    const read = await gw.gql(GET, { id }, { key: other.key });
    expect(read.body).toMatchObject({ data: { customer: null }, errors: [{ message, extensions: { code: 'NOT_FOUND' } }] });
    const update = await gw.gql('mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Stolen" }) { id } }', { id }, { key: other.key });
    expect(update.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'NOT_FOUND' } });
    const del = await gw.gql('mutation($id: ID!) { deleteCustomer(id: $id) { id } }', { id }, { key: other.key });
    expect(del.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'NOT_FOUND' } });
    expect((await gw.gql(NAMES, undefined, { key: other.key })).body.data).toEqual({ customers: { customers: [], pagination: { totalCount: 0 } } });

    const still = await gw.gql<{ customer: { id: string; name: string } }>('query($id: ID!) { customer(id: $id) { id name } }', { id }, { key: owner.key });
    expect(still.body.data?.customer).toEqual({ id, name: 'Private' });
  });
});

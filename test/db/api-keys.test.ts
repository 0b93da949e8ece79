import { generateApiKey, hashApiKey } from '../../src/auth/api-keys';
import { useTestDatabase } from '../helpers/database';
import { errorKind } from '../helpers/customers';
import { createOrganization, type EnvironmentName } from '../helpers/tenants';

const db = useTestDatabase();

interface KeyRow {
  api_key_id: string;
  organization_id: string;
  merchant_id: string;
  environment: string;
}

async function newKey(organizationId: string, environment: EnvironmentName, extra: Record<string, unknown> = {}) {
  const key = generateApiKey('lomi', environment);
  const [row] = await db.rpc<KeyRow>('create_api_key', {
    p_organization_id: organizationId, p_environment: environment, p_key_hash: key.hash, p_key_prefix: key.displayPrefix, ...extra,
  });
  return { ...row, key: key.key };
}

const verify = (key: string) => db.rpc<KeyRow>('verify_api_key', { p_key_hash: hashApiKey(key) });
const sql = (text: string, values: unknown[]) => db.session((s) => s.query(text, values));

describe('create_organization', () => {
  test('creates an organization with its first merchant', async () => {
    const [row] = await db.rpc<{ organization_id: string; merchant_id: string }>('create_organization', { p_name: '  Acme  ' });
    const [merchant] = await sql('select m.organization_id, o.name from merchants m join organizations o using (organization_id) where m.merchant_id = $1', [row.merchant_id]);
    expect(merchant).toEqual({ organization_id: row.organization_id, name: 'Acme' });
  });

  test('a blank name is invalid input', async () => {
    expect(await errorKind(db.rpc('create_organization', { p_name: '  ' }))).toBe('invalid_input');
  });
});

describe('create_api_key', () => {
  test("stores the hash, never the key, bound to the organization's merchant and environment", async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'live', { p_name: 'Backend' });
    expect(created).toMatchObject({ organization_id: org.organizationId, merchant_id: org.merchantId, environment: 'live' });
    const [stored] = await sql('select * from api_keys where api_key_id = $1', [created.api_key_id]);
    expect(stored.key_hash).toBe(hashApiKey(created.key));
    expect(Object.values(stored)).not.toContain(created.key);
    expect(stored.name).toBe('Backend');
  });

  test('a merchant of another organization, or none, is not found', async () => {
    const org = await createOrganization(db);
    const other = await createOrganization(db);
    expect(await errorKind(newKey(org.organizationId, 'test', { p_merchant_id: other.merchantId }))).toBe('not_found');
    expect(await errorKind(newKey('00000000-0000-4000-8000-000000000000', 'test'))).toBe('not_found');
  });

  test('a past expiry, a bad environment or a reused hash is refused', async () => {
    const org = await createOrganization(db);
    expect(await errorKind(newKey(org.organizationId, 'test', { p_expires_at: new Date(Date.now() - 1000) }))).toBe('invalid_input');
    expect(await errorKind(newKey(org.organizationId, 'test', { p_environment: 'prod' }))).toBe('invalid_input');
    const key = generateApiKey('lomi', 'test');
    const args = { p_organization_id: org.organizationId, p_environment: 'test', p_key_hash: key.hash, p_key_prefix: key.displayPrefix };
    await db.rpc('create_api_key', args);
    expect(await errorKind(db.rpc('create_api_key', args))).toBe('conflict');
  });
});

describe('verify_api_key', () => {
  test('an active key gives its organization, merchant and environment, and records its use', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'test');
    expect(await verify(created.key)).toEqual([
      { api_key_id: created.api_key_id, organization_id: org.organizationId, merchant_id: org.merchantId, environment: 'test', expires_at: null },
    ]);
    expect(await verify(created.key)).toHaveLength(1);
    const [stored] = await sql('select last_used_at from api_keys where api_key_id = $1', [created.api_key_id]);
    expect(stored.last_used_at).toBeInstanceOf(Date);
  });

  test('a key with a future expiry verifies', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'live', { p_expires_at: new Date(Date.now() + 86_400_000) });
    expect(await verify(created.key)).toHaveLength(1);
  });

  test('a revoked key does not verify', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'test');
    await db.rpc('revoke_api_key', { p_api_key_id: created.api_key_id });
    expect(await verify(created.key)).toEqual([]);
  });

  test('an expired key does not verify', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'test', { p_expires_at: new Date(Date.now() + 60_000) });
    await sql("update api_keys set expires_at = now() - interval '1 second' where api_key_id = $1", [created.api_key_id]);
    expect(await verify(created.key)).toEqual([]);
  });

  test('an inactive key does not verify', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'test');
    await sql('update api_keys set is_active = false where api_key_id = $1', [created.api_key_id]);
    expect(await verify(created.key)).toEqual([]);
  });

  test('an unknown key does not verify', async () => {
    expect(await verify(generateApiKey('lomi', 'live').key)).toEqual([]);
    expect(await db.rpc('verify_api_key', { p_key_hash: 'not even a hash' })).toEqual([]);
  });
});

describe('list_api_keys', () => {
  test("lists the organization's keys, newest first, without keys or hashes", async () => {
    const org = await createOrganization(db);
    const other = await createOrganization(db);
    const first = await newKey(org.organizationId, 'test', { p_name: 'first' });
    const second = await newKey(org.organizationId, 'live', { p_name: 'second' });
    await newKey(other.organizationId, 'test');
    await sql("update api_keys set created_at = created_at - interval '1 minute' where api_key_id = $1", [first.api_key_id]);
    const rows = await db.rpc<Record<string, unknown>>('list_api_keys', { p_organization_id: org.organizationId });
    expect(rows.map((row) => row.api_key_id)).toEqual([second.api_key_id, first.api_key_id]);
    expect(Object.keys(rows[0]).sort()).toEqual([
      'api_key_id', 'created_at', 'environment', 'expires_at', 'is_active', 'key_prefix', 'last_used_at', 'merchant_id', 'name', 'revoked_at',
    ]);
    expect(JSON.stringify(rows)).not.toContain(second.key);
    expect(JSON.stringify(rows)).not.toContain(hashApiKey(second.key));
    expect(rows[0]).toMatchObject({ name: 'second', environment: 'live', is_active: true, revoked_at: null });
    expect(String(rows[0].key_prefix)).toMatch(/^lomi_live_/);
  });
});

describe('revoke_api_key', () => {
  test('revokes once: a second call returns no row', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'test');
    const [row] = await db.rpc<{ api_key_id: string; organization_id: string; revoked_at: Date }>('revoke_api_key', { p_api_key_id: created.api_key_id });
    expect(row).toMatchObject({ api_key_id: created.api_key_id, organization_id: org.organizationId });
    expect(row.revoked_at).toBeInstanceOf(Date);
    expect(await db.rpc('revoke_api_key', { p_api_key_id: created.api_key_id })).toEqual([]);
    expect(await db.rpc('revoke_api_key', { p_api_key_id: '00000000-0000-4000-8000-000000000000' })).toEqual([]);
  });

  test('the revoked key is listed as inactive', async () => {
    const org = await createOrganization(db);
    const created = await newKey(org.organizationId, 'test');
    await db.rpc('revoke_api_key', { p_api_key_id: created.api_key_id });
    const [listed] = await db.rpc<Record<string, unknown>>('list_api_keys', { p_organization_id: org.organizationId });
    expect(listed.is_active).toBe(false);
    expect(listed.revoked_at).toBeInstanceOf(Date);
  });
});

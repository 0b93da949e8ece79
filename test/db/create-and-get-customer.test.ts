import { callSqlFunction, useTestDatabase } from '../helpers/database';
import { addCustomer, type CustomerRow, errorKind, storedCustomer } from '../helpers/customers';
import { createTenant, type TestTenant } from '../helpers/tenants';

const db = useTestDatabase();

const PUBLIC_COLUMNS = [
  'customer_id', 'organization_id', 'name', 'email', 'phone_number', 'whatsapp_number', 'country', 'city',
  'address', 'postal_code', 'is_business', 'metadata', 'environment', 'created_at', 'updated_at', 'version',
].sort();

function createArgs(t: TestTenant, fields: Record<string, unknown>): Record<string, unknown> {
  return { p_merchant_id: t.merchantId, p_organization_id: t.organizationId, p_environment: t.environment, ...fields };
}

describe('create_customer', () => {
  test('stores every field, metadata included, and returns the public row', async () => {
    const t = await createTenant(db, 'live');
    const [row] = await db.rpc<CustomerRow>('create_customer', createArgs(t, {
      p_name: '  John Doe ', p_email: 'john.doe@example.com', p_phone_number: '+221771234567',
      p_whatsapp_number: '+221771234568', p_country: 'Senegal', p_city: 'Dakar', p_address: '123 Main Street',
      p_postal_code: '12345', p_is_business: true, p_metadata: { custom_field: 'value', n: 1 },
    }));
    expect(Object.keys(row).sort()).toEqual(PUBLIC_COLUMNS);
    expect(row).toMatchObject({
      organization_id: t.organizationId, name: 'John Doe', email: 'john.doe@example.com',
      phone_number: '+221771234567', whatsapp_number: '+221771234568', country: 'Senegal', city: 'Dakar',
      address: '123 Main Street', postal_code: '12345', is_business: true,
      metadata: { custom_field: 'value', n: 1 }, environment: 'live',
    });
    expect(row.created_at).toEqual(row.updated_at);
  });

  test('absent or blank optional fields are NULL, never empty strings', async () => {
    const t = await createTenant(db);
    const [row] = await db.rpc<CustomerRow>('create_customer', createArgs(t, { p_name: 'Awa', p_email: '', p_city: '   ' }));
    expect(row).toMatchObject({
      email: null, phone_number: null, whatsapp_number: null, country: null, city: null, address: null,
      postal_code: null, metadata: null, is_business: false,
    });
  });

  test("the environment is the caller's: test stays test, and there is no default", async () => {
    const t = await createTenant(db, 'test');
    expect((await addCustomer(db, t)).environment).toBe('test');
    const { p_environment: _omitted, ...withoutEnvironment } = createArgs(t, { p_name: 'x' });
    expect(await errorKind(db.rpc('create_customer', withoutEnvironment))).toBe('invalid_input');
    expect(await errorKind(db.rpc('create_customer', createArgs(t, { p_name: 'x', p_environment: 'LIVE' })))).toBe('invalid_input');
  });

  test('created_by is the calling merchant, who must belong to the organization', async () => {
    const t = await createTenant(db);
    const other = await createTenant(db);
    const row = await addCustomer(db, t);
    expect((await storedCustomer(db, row.customer_id))?.created_by).toBe(t.merchantId);
    const foreignMerchant = createArgs(t, { p_name: 'x', p_merchant_id: other.merchantId });
    expect(await errorKind(db.rpc('create_customer', foreignMerchant))).toBe('invalid_input');
    expect(await errorKind(db.rpc('create_customer', createArgs(t, { p_name: 'x', p_merchant_id: null })))).toBe('invalid_input');
  });

  test('name must not be blank and metadata must be an object', async () => {
    const t = await createTenant(db);
    for (const name of ['', '   ', null]) {
      expect(await errorKind(db.rpc('create_customer', createArgs(t, { p_name: name })))).toBe('invalid_input');
    }
    expect(await errorKind(db.rpc('create_customer', createArgs(t, { p_name: 'x', p_metadata: '[1,2]' })))).toBe('invalid_input');
    expect(await errorKind(db.rpc('create_customer', createArgs(t, { p_name: 'x', p_metadata: '"text"' })))).toBe('invalid_input');
  });

  test('JSON null metadata is stored as NULL, {} as {}', async () => {
    const t = await createTenant(db);
    const [nullMeta] = await db.rpc<CustomerRow>('create_customer', createArgs(t, { p_name: 'x', p_metadata: 'null' }));
    expect(nullMeta.metadata).toBeNull();
    expect((await addCustomer(db, t, { metadata: {} })).metadata).toEqual({});
  });

  test('internal columns stay in the database', async () => {
    const t = await createTenant(db);
    const row = await addCustomer(db, t);
    expect(await storedCustomer(db, row.customer_id)).toMatchObject({ is_deleted: false, deleted_at: null, spi_alias_shid: null });
  });
});

describe('get_customer_by_organization', () => {
  test("returns the tenant's customer, or no row for another organization or environment", async () => {
    const t = await createTenant(db);
    const other = await createTenant(db);
    const created = await addCustomer(db, t);
    const get = (tenant: TestTenant) =>
      callSqlFunction<CustomerRow>(db, 'get_customer_by_organization', {
        p_customer_id: created.customer_id, p_organization_id: tenant.organizationId, p_environment: tenant.environment,
      });
    expect(await get(t)).toEqual([created]);
    expect(await get({ ...t, environment: 'live' })).toEqual([]);
    expect(await get(other)).toEqual([]);
  });

  test('an unknown id is no row, a malformed one invalid input', async () => {
    const t = await createTenant(db);
    const args = { p_organization_id: t.organizationId, p_environment: t.environment };
    expect(await callSqlFunction(db, 'get_customer_by_organization', { ...args, p_customer_id: '00000000-0000-4000-8000-000000000000' })).toEqual([]);
    expect(await errorKind(callSqlFunction(db, 'get_customer_by_organization', { ...args, p_customer_id: 'not-a-uuid' }))).toBe('invalid_input');
  });
});

describe('get_customers_by_ids', () => {
  test("returns the tenant's customers among the ids and skips the others", async () => {
    const t = await createTenant(db);
    const other = await createTenant(db);
    const a = await addCustomer(db, t);
    const b = await addCustomer(db, t);
    const foreign = await addCustomer(db, other);
    const otherEnvironment = await addCustomer(db, { ...t, environment: 'live' });
    const rows = await db.rpc<CustomerRow>('get_customers_by_ids', {
      p_customer_ids: [a.customer_id, b.customer_id, foreign.customer_id, otherEnvironment.customer_id, '00000000-0000-4000-8000-000000000000'],
      p_organization_id: t.organizationId, p_environment: t.environment,
    });
    expect(rows.map((row) => row.customer_id).sort()).toEqual([a.customer_id, b.customer_id].sort());
    expect(rows.find((row) => row.customer_id === a.customer_id)).toEqual(a);
  });

  test('an empty list returns nothing', async () => {
    const t = await createTenant(db);
    await addCustomer(db, t);
    expect(await db.rpc('get_customers_by_ids', { p_customer_ids: [], p_organization_id: t.organizationId, p_environment: t.environment })).toEqual([]);
  });
});

import { callSqlFunction } from '../helpers/database';
import { addCustomer, backdateUpdatedAt, type CustomerRow, errorKind, minutesAgo } from '../helpers/customers';
import { createTenant, useDatabaseWithTenant, type TestTenant } from '../helpers/tenants';

const { db, tenant: t } = useDatabaseWithTenant();

function patch(customerId: string, p: unknown, tenant: TestTenant = t): Promise<CustomerRow[]> {
  return db.rpc<CustomerRow>('update_customer', {
    p_customer_id: customerId, p_organization_id: tenant.organizationId, p_environment: tenant.environment, p_patch: p,
  });
}

async function fullCustomer(): Promise<CustomerRow> {
  const [row] = await db.rpc<CustomerRow>('create_customer', {
    p_merchant_id: t.merchantId, p_organization_id: t.organizationId, p_environment: t.environment,
    p_name: 'John Doe', p_email: 'john@example.com', p_phone_number: '+221771234567', p_whatsapp_number: '+221771234567',
    p_country: 'Senegal', p_city: 'Dakar', p_address: '1 Rue Carnot', p_postal_code: '12345',
    p_is_business: false, p_metadata: { a: 1, b: 2 },
  });
  return row;
}

describe('absent versus null', () => {
  test('only the given fields change', async () => {
    const c = await fullCustomer();
    const [row] = await patch(c.customer_id, { email: 'jane@example.com', is_business: true });
    expect(row).toEqual({ ...c, email: 'jane@example.com', is_business: true, updated_at: row.updated_at, version: c.version + 1 });
  });

  test('an explicit null clears an optional field', async () => {
    const c = await fullCustomer();
    const [row] = await patch(c.customer_id, { phone_number: null, city: null, metadata: null });
    expect(row).toMatchObject({ phone_number: null, city: null, metadata: null, email: c.email, country: 'Senegal' });
  });

  test('a blank optional field is stored as NULL', async () => {
    const c = await fullCustomer();
    const [row] = await patch(c.customer_id, { email: '  ', address: '' });
    expect(row).toMatchObject({ email: null, address: null });
  });

  test('name is trimmed', async () => {
    const c = await fullCustomer();
    expect((await patch(c.customer_id, { name: '  Jane  ' }))[0].name).toBe('Jane');
  });
});

describe('rejected patches', () => {
  test.each([
    ['name null', { name: null }],
    ['name blank', { name: '   ' }],
    ['is_business null', { is_business: null }],
    ['unknown key', { nickname: 'JD' }],
    ['internal column', { is_deleted: true }],
    ['wrong type', { email: 42 }],
    ['metadata not an object', { metadata: [1, 2] }],
  ])('%s is invalid input and changes nothing', async (_label, p) => {
    const c = await fullCustomer();
    expect(await errorKind(patch(c.customer_id, p))).toBe('invalid_input');
    expect(await callSqlFunction(db, 'get_customer_by_organization', {
      p_customer_id: c.customer_id, p_organization_id: t.organizationId, p_environment: t.environment,
    })).toEqual([c]);
  });

  test('a patch that is not an object is invalid input', async () => {
    const c = await fullCustomer();
    expect(await errorKind(patch(c.customer_id, '[]'))).toBe('invalid_input');
    expect(await errorKind(patch(c.customer_id, null))).toBe('invalid_input');
  });
});

describe('metadata', () => {
  test('is replaced whole, not merged', async () => {
    const c = await fullCustomer();
    expect((await patch(c.customer_id, { metadata: { c: 3 } }))[0].metadata).toEqual({ c: 3 });
  });

  test('{} stays {}', async () => {
    const c = await fullCustomer();
    expect((await patch(c.customer_id, { metadata: {} }))[0].metadata).toEqual({});
  });
});

describe('updated_at', () => {
  const before = minutesAgo(60);

  test('is unchanged by an empty patch', async () => {
    const c = await fullCustomer();
    await backdateUpdatedAt(db, c.customer_id, before);
    const [row] = await patch(c.customer_id, {});
    expect(row).toEqual({ ...c, updated_at: before });
  });

  test('is unchanged by a patch that changes no value', async () => {
    const c = await fullCustomer();
    await backdateUpdatedAt(db, c.customer_id, before);
    const [row] = await patch(c.customer_id, { name: 'John Doe', email: 'john@example.com', metadata: { b: 2, a: 1 } });
    expect(row.updated_at).toEqual(before);
  });

  test('moves forward when a value changes', async () => {
    const c = await fullCustomer();
    await backdateUpdatedAt(db, c.customer_id, before);
    const [row] = await patch(c.customer_id, { city: 'Thiès' });
    expect(row.updated_at.getTime()).toBeGreaterThan(before.getTime());
    expect(row.created_at).toEqual(c.created_at);
  });
});

describe('tenancy and deletion', () => {
  test("another organization's or environment's customer: no row, nothing changed", async () => {
    const c = await fullCustomer();
    const other = await createTenant(db);
    expect(await patch(c.customer_id, { name: 'Hijacked' }, other)).toEqual([]);
    expect(await patch(c.customer_id, { name: 'Hijacked' }, { ...other, organizationId: t.organizationId, environment: 'live' })).toEqual([]);
    expect(await patch(c.customer_id, {}, other)).toEqual([]);
    const [row] = await patch(c.customer_id, {});
    expect(row.name).toBe('John Doe');
  });

  test('a deleted or unknown customer: no row', async () => {
    const c = await addCustomer(db, t);
    await db.rpc('delete_customer', { p_customer_id: c.customer_id, p_organization_id: t.organizationId, p_environment: t.environment });
    expect(await patch(c.customer_id, { name: 'Back' })).toEqual([]);
    expect(await patch('00000000-0000-4000-8000-000000000000', { name: 'x' })).toEqual([]);
  });
});

describe('concurrent patches', () => {
  test('two patches of different fields both survive', async () => {
    const c = await fullCustomer();
    const results = db.kind === 'postgres' ? await racePatchesOnPostgres(c.customer_id) : await Promise.all([
      // PGlite has one session: the patches run one after the other, which must also hold
      patch(c.customer_id, { name: 'Jane Doe' }),
      patch(c.customer_id, { email: 'jane@example.com' }),
    ]);
    expect(results.map((rows) => rows.length)).toEqual([1, 1]);
    const [row] = await patch(c.customer_id, {});
    expect(row).toMatchObject({ name: 'Jane Doe', email: 'jane@example.com', phone_number: c.phone_number });
  });
});

/**
 * Holds the row locked in one session while both patches start on two other connections, so
 * they wait together and run concurrently once the lock goes: each must apply its change on
 * top of the other's rather than on the version it first saw.
 */
async function racePatchesOnPostgres(customerId: string): Promise<CustomerRow[][]> {
  let patches: Promise<CustomerRow[][]> | undefined;
  await db.session((s) =>
    s.transaction(async (tx) => {
      await tx.query('select 1 from customers where customer_id = $1 for update', [customerId]);
      patches = Promise.all([patch(customerId, { name: 'Jane Doe' }), patch(customerId, { email: 'jane@example.com' })]);
      for (let i = 0; i < 200; i++) {
        // activity is read once per transaction unless the snapshot is dropped
        await tx.query('select pg_stat_clear_snapshot()');
        const [{ waiting }] = await tx.query<{ waiting: number }>(
          `select count(*)::int as waiting from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query like '%update_customer%'`,
        );
        if (waiting >= 2) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('the two patches never waited on the row lock together');
    }),
  );
  if (!patches) throw new Error('patches did not start');
  return patches;
}

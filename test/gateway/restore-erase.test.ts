/**
 * restoreCustomer and eraseCustomer. Erasure is checked with SQL on the stored rows: nothing of
 * the old personal values may remain in the live customer row, the idempotency records or the
 * erasure audit table (dead row versions are VACUUM's: see README, "Restore and erase").
 * Runs on every backend of the run.
 */
import { addTransaction, storedCustomer } from '../helpers/customers';
import { useGateway } from '../helpers/gateway';

const FIELDS = 'id name email phoneNumber whatsappNumber country city address postalCode isBusiness metadata version';
const CREATE = `mutation Create($input: CreateCustomerInput!, $key: String) { createCustomer(input: $input, idempotencyKey: $key) { ${FIELDS} } }`;
const DELETE = `mutation Delete($id: ID!) { deleteCustomer(id: $id) { id message } }`;
const RESTORE = `mutation Restore($id: ID!) { restoreCustomer(id: $id) { ${FIELDS} } }`;
const ERASE = `mutation Erase($id: ID!) { eraseCustomer(id: $id) { id message } }`;
const GET = `query Get($id: ID!) { customer(id: $id) { ${FIELDS} transactions { id } } }`;

interface View {
  id: string;
  name: string;
  version: number;
  [field: string]: unknown;
}

const PERSONAL = {
  name: 'Aïssatou Ndiaye-Erasable',
  email: 'aissatou.erasable@example.com',
  phoneNumber: '+221770000111',
  whatsappNumber: '+221770000222',
  country: 'Senegal-Erasable',
  city: 'Ziguinchor-Erasable',
  address: '7 Rue Erasable',
  postalCode: 'ER-4455',
  isBusiness: true,
  metadata: { loyalty: 'erasable-gold', note: 'erasable note' },
};
/** Values that must not survive an erasure anywhere they are checked. */
const SECRETS = ['Erasable', 'erasable', '+221770000111', '+221770000222', 'ER-4455', 'SPI-SHID-77', 'SPI-MBNO-77', 'SPI-PRIMARY-77'];

describe('restoreCustomer', () => {
  const { gw, tenant } = useGateway();

  const create = async (): Promise<View> => {
    const res = await gw.gql<{ createCustomer: View }>(CREATE, { input: PERSONAL }, { key: tenant.key });
    const row = res.body.data?.createCustomer;
    if (!row) throw new Error(`not created: ${JSON.stringify(res.body.errors)}`);
    return row;
  };

  test('a soft-deleted customer comes back with all its data and its transactions; version + 1', async () => {
    const c = await create();
    await addTransaction(gw.db.inner, tenant, c.id, { amount: 10 });
    await gw.gql(DELETE, { id: c.id }, { key: tenant.key });
    expect((await gw.gql(GET, { id: c.id }, { key: tenant.key })).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const res = await gw.gql<{ restoreCustomer: View }>(RESTORE, { id: c.id }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.restoreCustomer).toEqual({ ...c, version: 3 });
    const read = await gw.gql<{ customer: View & { transactions: unknown[] } }>(GET, { id: c.id }, { key: tenant.key });
    expect(read.body.data?.customer.transactions).toHaveLength(1);
    expect(await storedCustomer(gw.db.inner, c.id)).toMatchObject({ is_deleted: false, deleted_at: null });
  });

  test('a customer that is not deleted is returned unchanged', async () => {
    const c = await create();
    const before = await storedCustomer(gw.db.inner, c.id);
    const res = await gw.gql<{ restoreCustomer: View }>(RESTORE, { id: c.id }, { key: tenant.key });
    expect(res.body.data?.restoreCustomer).toEqual(c);
    expect(await storedCustomer(gw.db.inner, c.id)).toEqual(before);
  });

  test('erased, missing or another tenant\'s: NOT_FOUND with the seed\'s message', async () => {
    const erased = await create();
    await gw.gql(ERASE, { id: erased.id }, { key: tenant.key });
    const foreign = await create();
    await gw.gql(DELETE, { id: foreign.id }, { key: tenant.key });
    const stranger = await gw.tenantWithKey();
    const otherEnv = await gw.keyFor(tenant, 'live');
    for (const [id, key] of [
      [erased.id, tenant.key],
      ['00000000-0000-4000-8000-00000000abcd', tenant.key],
      [foreign.id, stranger.key],
      [foreign.id, otherEnv],
    ]) {
      const res = await gw.gql(RESTORE, { id }, { key });
      expect(res.body.errors?.[0]).toMatchObject({
        message: `Customer with ID ${id} not found or access denied`,
        extensions: { code: 'NOT_FOUND' },
      });
    }
    expect(await storedCustomer(gw.db.inner, foreign.id)).toMatchObject({ is_deleted: true });
  });
});

describe('eraseCustomer', () => {
  const { gw, tenant } = useGateway();

  const create = async (idempotencyKey?: string): Promise<View> => {
    const res = await gw.gql<{ createCustomer: View }>(CREATE, { input: PERSONAL, key: idempotencyKey }, { key: tenant.key });
    const row = res.body.data?.createCustomer;
    if (!row) throw new Error(`not created: ${JSON.stringify(res.body.errors)}`);
    // the SPI aliases are internal: only SQL writes them
    await gw.db.inner.session((s) =>
      s.query("update customers set spi_alias_shid = 'SPI-SHID-77', spi_alias_mbno = 'SPI-MBNO-77', spi_primary_alias = 'SPI-PRIMARY-77' where customer_id = $1", [row.id]),
    );
    return row;
  };

  /** Every stored row that mentions the customer, as text. */
  const storedText = async (id: string): Promise<string> => {
    const rows = await gw.db.inner.session((s) =>
      s.query<{ t: string }>(
        `select row_to_json(c)::text as t from customers c where c.customer_id = $1
         union all select row_to_json(k)::text from idempotency_keys k where k.customer_id = $1
         union all select row_to_json(e)::text from customer_erasures e where e.customer_id = $1`,
        [id],
      ),
    );
    return rows.map((r) => r.t).join('\n');
  };

  test('removes the personal data (SPI aliases too), deletes, keeps the transactions, and says so', async () => {
    const c = await create('erase-me-1');
    const txId = await addTransaction(gw.db.inner, tenant, c.id, { amount: 1234.5 });
    expect(await storedText(c.id)).toContain('Erasable');

    const res = await gw.gql<{ eraseCustomer: { id: string; message: string } }>(ERASE, { id: c.id }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.eraseCustomer).toEqual({ id: c.id, message: `Customer ${c.id} erased` });

    expect(await storedCustomer(gw.db.inner, c.id)).toMatchObject({
      name: 'Erased customer',
      email: null,
      phone_number: null,
      whatsapp_number: null,
      country: null,
      city: null,
      address: null,
      postal_code: null,
      metadata: null,
      spi_alias_shid: null,
      spi_alias_mbno: null,
      spi_primary_alias: null,
      is_deleted: true,
      // 1 created, 2 the SPI aliases written, 3 erased
      version: 3,
    });
    const text = await storedText(c.id);
    for (const secret of SECRETS) expect(text).not.toContain(secret);

    const tx = await gw.db.inner.session((s) => s.query('select gross_amount::text as amount from transactions where transaction_id = $1', [txId]));
    expect(tx).toEqual([{ amount: '1234.50' }]);
    expect((await gw.gql(GET, { id: c.id }, { key: tenant.key })).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  test('the idempotency record keeps no hash of the erased input; a retry of its create is NOT_FOUND', async () => {
    const c = await create('erase-me-2');
    await gw.gql(ERASE, { id: c.id }, { key: tenant.key });
    const records = await gw.db.inner.session((s) => s.query('select input_hash, customer_id from idempotency_keys where customer_id = $1', [c.id]));
    expect(records).toEqual([{ input_hash: null, customer_id: c.id }]);
    const retry = await gw.gql(CREATE, { input: PERSONAL, key: 'erase-me-2' }, { key: tenant.key });
    expect(retry.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const count = await gw.db.inner.session((s) => s.query<{ n: number }>("select count(*)::int as n from customers where organization_id = $1 and name like '%Erasable'", [tenant.organizationId]));
    expect(count[0].n).toBe(0);
  });

  test('records who erased and when, in an audit table with no personal data', async () => {
    const c = await create();
    const before = Date.now();
    await gw.gql(ERASE, { id: c.id }, { key: tenant.key });
    const audit = await gw.db.inner.session((s) => s.query<Record<string, unknown>>('select * from customer_erasures where customer_id = $1', [c.id]));
    expect(audit).toHaveLength(1);
    expect(Object.keys(audit[0]).sort()).toEqual(['customer_id', 'environment', 'erased_at', 'merchant_id', 'organization_id']);
    expect(audit[0]).toMatchObject({ customer_id: c.id, organization_id: tenant.organizationId, merchant_id: tenant.merchantId, environment: 'test' });
    expect((audit[0].erased_at as Date).getTime()).toBeGreaterThanOrEqual(before - 5_000);
  });

  test('works on a deleted customer; a second erase is NOT_FOUND', async () => {
    const c = await create();
    await gw.gql(DELETE, { id: c.id }, { key: tenant.key });
    const first = await gw.gql(ERASE, { id: c.id }, { key: tenant.key });
    expect(first.body.errors).toBeUndefined();
    expect(await storedCustomer(gw.db.inner, c.id)).toMatchObject({ name: 'Erased customer', email: null, is_deleted: true });
    const second = await gw.gql(ERASE, { id: c.id }, { key: tenant.key });
    expect(second.body.errors?.[0]).toMatchObject({ message: `Customer with ID ${c.id} not found or access denied`, extensions: { code: 'NOT_FOUND' } });
  });

  test('another tenant\'s customer, or a missing one, is NOT_FOUND and untouched', async () => {
    const c = await create();
    const stranger = await gw.tenantWithKey();
    const res = await gw.gql(ERASE, { id: c.id }, { key: stranger.key });
    expect(res.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await storedCustomer(gw.db.inner, c.id)).toMatchObject({ name: PERSONAL.name, is_deleted: false });
    const missing = await gw.gql(ERASE, { id: '00000000-0000-4000-8000-00000000dcba' }, { key: tenant.key });
    expect(missing.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('totalCount follows deletes, restores and erasures', () => {
  const { gw } = useGateway();
  const TOTALS = `{
    all: customers { pagination { totalCount } }
    business: customers(type: BUSINESS) { pagination { totalCount } }
    individual: customers(type: INDIVIDUAL) { pagination { totalCount } }
    connection: customersConnection(first: 1) { totalCount }
    businessConnection: customersConnection(first: 1, type: BUSINESS) { totalCount }
  }`;
  interface Totals {
    all: { pagination: { totalCount: number } };
    business: { pagination: { totalCount: number } };
    individual: { pagination: { totalCount: number } };
    connection: { totalCount: number };
    businessConnection: { totalCount: number };
  }

  test('of every type, in customers and customersConnection, for its own tenant only', async () => {
    const tenant = await gw.tenantWithKey();
    const neighbour = await gw.tenantWithKey();
    const totals = async (key: string) => {
      const res = await gw.gql<Totals>(TOTALS, undefined, { key });
      expect(res.body.errors).toBeUndefined();
      const data = res.body.data as Totals;
      expect(data.connection.totalCount).toBe(data.all.pagination.totalCount);
      expect(data.businessConnection.totalCount).toBe(data.business.pagination.totalCount);
      return [data.all.pagination.totalCount, data.business.pagination.totalCount, data.individual.pagination.totalCount];
    };
    const create = async (key: string, isBusiness: boolean) => {
      const res = await gw.gql<{ createCustomer: View }>(CREATE, { input: { name: 'Counted', isBusiness } }, { key });
      return res.body.data?.createCustomer.id ?? '';
    };
    const firm = await create(tenant.key, true);
    const person = await create(tenant.key, false);
    const other = await create(tenant.key, false);
    await create(neighbour.key, true);
    expect(await totals(tenant.key)).toEqual([3, 1, 2]);

    await gw.gql(DELETE, { id: person }, { key: tenant.key });
    await gw.gql(DELETE, { id: person }, { key: tenant.key });
    expect(await totals(tenant.key)).toEqual([2, 1, 1]);
    await gw.gql(RESTORE, { id: person }, { key: tenant.key });
    expect(await totals(tenant.key)).toEqual([3, 1, 2]);
    await gw.gql(ERASE, { id: firm }, { key: tenant.key });
    expect(await totals(tenant.key)).toEqual([2, 0, 2]);
    // an erased customer stays out; erasing a deleted one changes nothing more
    await gw.gql(RESTORE, { id: firm }, { key: tenant.key });
    await gw.gql(DELETE, { id: other }, { key: tenant.key });
    await gw.gql(ERASE, { id: other }, { key: tenant.key });
    expect(await totals(tenant.key)).toEqual([1, 0, 1]);
    // another tenant's key changes nothing here, and sees only its own
    await gw.gql(DELETE, { id: person }, { key: neighbour.key });
    expect(await totals(tenant.key)).toEqual([1, 0, 1]);
    expect(await totals(neighbour.key)).toEqual([1, 1, 0]);
  });
});

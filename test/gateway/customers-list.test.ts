import {
  ListCustomerActivityDocument,
  ListCustomerNamesDocument,
  ListCustomersDocument,
  ListCustomersWithTransactionsDocument,
} from '../generated/graphql';
import type { TestGateway } from '../helpers/gateway';
import { useGateway } from '../helpers/gateway';
import type { SqlDatabase } from '../../src/db/sql-database';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Seeded {
  key: string;
  organizationId: string;
  ids: string[];
}

/** `count` customers created one second apart (ids[0] newest), with settled transactions on every other one. */
async function seed(gw: TestGateway, count: number): Promise<Seeded> {
  const tenant = await gw.tenantWithKey();
  const sql = gw.db.inner as SqlDatabase;
  const rows = await sql.session((s) =>
    s.query<{ customer_id: string }>(
      `insert into customers (organization_id, created_by, name, email, is_business, environment, created_at, updated_at)
       select $1, $2, 'Customer ' || lpad(i::text, 3, '0'), 'c' || i || '@example.com', i % 3 = 0, 'test',
              now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval
       from generate_series(1, $3::int) i
       returning customer_id`,
      [tenant.organizationId, tenant.merchantId, count],
    ),
  );
  await sql.session((s) =>
    s.query(
      `insert into transactions (organization_id, customer_id, description, gross_amount, currency_code, status, environment, created_at)
       select c.organization_id, c.customer_id, 'Order ' || k, 1000.50 * k, 'XOF',
              (array['completed','refunded','pending','failed'])[k], 'test', c.created_at + (k || ' minutes')::interval
       from customers c cross join generate_series(1, 4) k
       where c.organization_id = $1 and right(c.name, 1)::int % 2 = 1`,
      [tenant.organizationId],
    ),
  );
  const ordered = await sql.session((s) =>
    s.query<{ customer_id: string }>('select customer_id from customers where organization_id = $1 order by created_at desc', [tenant.organizationId]),
  );
  expect(rows).toHaveLength(count);
  return { key: tenant.key, organizationId: tenant.organizationId, ids: ordered.map((r) => r.customer_id) };
}

describe('customers(...) list', () => {
  const { gw } = useGateway();
  let data: Seeded;
  beforeAll(async () => {
    data = await seed(gw, 120);
  });

  test('defaults to page 1 of 50, newest first, with ISO-8601 UTC timestamps', async () => {
    const res = await gw.gql(ListCustomersDocument, {}, { key: data.key });
    const page = res.body.data?.customers;
    expect(page?.pagination).toEqual({ page: 1, pageSize: 50, totalCount: 120, totalPages: 3 });
    expect(page?.customers.map((c) => c.id)).toEqual(data.ids.slice(0, 50));
    expect(page?.customers[0]).toMatchObject({ name: 'Customer 001', environment: 'TEST', organizationId: data.organizationId });
    expect(page?.customers[0].createdAt).toMatch(ISO_UTC);
  });

  test('an explicit null for a defaulted argument means its default', async () => {
    const res = await gw.gql(ListCustomersDocument, { page: null, pageSize: null, type: null, status: null, search: null }, { key: data.key });
    expect(res.body.data?.customers.pagination).toEqual({ page: 1, pageSize: 50, totalCount: 120, totalPages: 3 });
  });

  test('totals are right on every page, past the last one too', async () => {
    const last = await gw.gql(ListCustomersDocument, { page: 3, pageSize: 50 }, { key: data.key });
    expect(last.body.data?.customers.customers.map((c) => c.id)).toEqual(data.ids.slice(100));
    const past = await gw.gql(ListCustomersDocument, { page: 9, pageSize: 50 }, { key: data.key });
    expect(past.body.data?.customers).toEqual({ customers: [], pagination: { page: 9, pageSize: 50, totalCount: 120, totalPages: 3 } });
  });

  test('totalPages is 0 when nothing matches', async () => {
    const res = await gw.gql(ListCustomersDocument, { search: 'nobody-has-this' }, { key: data.key });
    expect(res.body.data?.customers).toEqual({ customers: [], pagination: { page: 1, pageSize: 50, totalCount: 0, totalPages: 0 } });
  });

  test('search, type and activity status filter together', async () => {
    const search = await gw.gql(ListCustomersDocument, { search: '  CUSTOMER 01 ', pageSize: 200 }, { key: data.key });
    expect(search.body.data?.customers.customers.map((c) => c.name)).toEqual(
      // trimmed, case-insensitive, newest (smallest number) first
      ['010', '011', '012', '013', '014', '015', '016', '017', '018', '019'].map((n) => `Customer ${n}`),
    );
    const business = await gw.gql(ListCustomersDocument, { type: 'BUSINESS', pageSize: 200 }, { key: data.key });
    expect(business.body.data?.customers.pagination.totalCount).toBe(40);
    expect(business.body.data?.customers.customers.every((c) => c.isBusiness)).toBe(true);
    const active = await gw.gql(ListCustomersDocument, { status: 'ACTIVE', pageSize: 200 }, { key: data.key });
    expect(active.body.data?.customers.pagination.totalCount).toBe(60);
    const inactive = await gw.gql(ListCustomersDocument, { status: 'INACTIVE', type: 'INDIVIDUAL', pageSize: 200 }, { key: data.key });
    expect(inactive.body.data?.customers.pagination.totalCount).toBe(40);
  });

  test('bad arguments are BAD_USER_INPUT naming each field', async () => {
    const res = await gw.gql(ListCustomersDocument, { page: 0, pageSize: 201, search: 'x'.repeat(201) }, { key: data.key });
    expect(res.status).toBe(200);
    const error = res.body.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (error?.extensions?.validationErrors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['page', 'pageSize', 'search']);
    expect(error?.message).toContain('pageSize must not be greater than 200');
  });
});

describe('what a page costs in database calls', () => {
  const { gw } = useGateway();
  let data: Seeded;
  beforeAll(async () => {
    data = await seed(gw, 60);
    await gw.gql('{ __typename }', undefined, { key: data.key }); // warms the key cache
  });

  test('50 customers with their transactions: one list call and one transactions call, plus one count', async () => {
    gw.db.reset();
    const res = await gw.gql(ListCustomersWithTransactionsDocument, { pageSize: 50, first: 2 }, { key: data.key });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.customers.customers).toHaveLength(50);
    expect(gw.db.names().sort()).toEqual(['count_customers_with_status', 'fetch_customers_with_status', 'fetch_transactions_for_customers']);
    const batch = gw.db.calls.find((c) => c.fn === 'fetch_transactions_for_customers');
    expect(batch?.args.p_customer_ids).toHaveLength(50);
    expect(batch?.args.p_limit_per_customer).toBe(2);
  });

  test('a page that selects no totals does not count', async () => {
    gw.db.reset();
    await gw.gql(ListCustomerNamesDocument, { pageSize: 10 }, { key: data.key });
    expect(gw.db.names()).toEqual(['fetch_customers_with_status']);
  });

  test('a query that selects only the total does not read the page', async () => {
    gw.db.reset();
    const res = await gw.gql('{ customers { pagination { totalCount } } }', undefined, { key: data.key });
    expect(res.body.data).toEqual({ customers: { pagination: { totalCount: 60 } } });
    expect(gw.db.names()).toEqual(['count_customers_with_status']);
  });

  test('transactions: settled only, newest first, amounts as numbers, at most `first`', async () => {
    const res = await gw.gql(ListCustomersWithTransactionsDocument, { pageSize: 1, first: 20 }, { key: data.key });
    const customer = res.body.data?.customers.customers[0];
    expect(customer?.name).toBe('Customer 001');
    expect(customer?.transactions.map((t) => [t.description, t.grossAmount, t.status])).toEqual([
      ['Order 2', 2001, 'REFUNDED'],
      ['Order 1', 1000.5, 'COMPLETED'],
    ]);
    expect(customer?.transactions[0].createdAt).toMatch(ISO_UTC);
    const one = await gw.gql(ListCustomersWithTransactionsDocument, { pageSize: 1, first: 1 }, { key: data.key });
    expect(one.body.data?.customers.customers[0].transactions.map((t) => t.description)).toEqual(['Order 2']);
  });

  test('hasTransactions agrees with the ACTIVE and INACTIVE filters, in one batched call per page', async () => {
    gw.db.reset();
    const active = await gw.gql(ListCustomerActivityDocument, { status: 'ACTIVE', pageSize: 200 }, { key: data.key });
    expect(gw.db.names().sort()).toEqual(['fetch_customer_totals', 'fetch_customers_with_status']);
    const inactive = await gw.gql(ListCustomerActivityDocument, { status: 'INACTIVE', pageSize: 200 }, { key: data.key });
    const activeFlags = active.body.data?.customers.customers.map((c) => c.hasTransactions) ?? [];
    const inactiveFlags = inactive.body.data?.customers.customers.map((c) => c.hasTransactions) ?? [];
    expect(activeFlags).toHaveLength(30);
    expect(activeFlags.every(Boolean)).toBe(true);
    expect(inactiveFlags).toHaveLength(30);
    expect(inactiveFlags.some(Boolean)).toBe(false);
  });

  test('`first` outside 1-100 is BAD_USER_INPUT', async () => {
    for (const first of [0, 101, -5]) {
      const res = await gw.gql(ListCustomersWithTransactionsDocument, { pageSize: 1, first }, { key: data.key });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'first must be between 1 and 100', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });
});

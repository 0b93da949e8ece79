/**
 * Exact money and customer totals, end to end: amounts stored as numeric(15,2) come back digit
 * for digit as Decimal strings, sums are computed in SQL, and the totals of a page of customers
 * cost one batched database call. Runs on every backend of the run (PGlite; PostgreSQL with
 * TEST_DATABASE_URL; the Supabase adapter with TEST_GATEWAY_BACKEND=supabase).
 */
import { buildSchema, isObjectType } from 'graphql';
import { emittedSdl } from '../../src/schema';
import { addCustomer, addTransaction, minutesAgo } from '../helpers/customers';
import { useGateway } from '../helpers/gateway';

const CUSTOMER_WITH_MONEY = `query Money($id: ID!) {
  customer(id: $id) {
    id
    transactions(first: 100) { id grossAmount amount { amount currencyCode } currencyCode status createdAt }
    amountSpent { amount currencyCode }
    transactionCount
    lastTransactionAt
    hasTransactions
  }
}`;

const PAGE_WITH_TOTALS = `query Totals($pageSize: Int) {
  customers(pageSize: $pageSize) {
    customers { id name amountSpent { amount currencyCode } transactionCount lastTransactionAt hasTransactions }
  }
}`;

interface MoneyView {
  amount: string;
  currencyCode: string;
}
interface TransactionView {
  id: string;
  grossAmount: number;
  amount: MoneyView;
  currencyCode: string;
  status: string;
}
interface CustomerView {
  id: string;
  name: string;
  transactions: TransactionView[];
  amountSpent: MoneyView[];
  transactionCount: number;
  lastTransactionAt: string | null;
  hasTransactions: boolean;
}

describe('exact money', () => {
  const { gw, tenant } = useGateway();
  let customerId: string;

  beforeAll(async () => {
    customerId = (await addCustomer(gw.db.inner, tenant, { name: 'Exact Amounts' })).customer_id;
    // Amounts are passed to SQL as text, so the test's own path has no float either.
    const amounts: [string, string, 'completed' | 'refunded', number][] = [
      ['12345678901.23', 'XOF', 'completed', 50],
      ['0.10', 'USD', 'completed', 40],
      ['0.20', 'USD', 'completed', 30],
      ['9999999999999.99', 'EUR', 'completed', 20],
      ['0.01', 'EUR', 'completed', 15],
      ['500.55', 'USD', 'refunded', 10],
    ];
    for (const [amount, currency, status, minutes] of amounts) {
      await gw.db.inner.session((s) =>
        s.query(
          `insert into transactions (organization_id, customer_id, gross_amount, currency_code, status, environment, created_at)
           values ($1, $2, $3::text::numeric, $4, $5, $6, $7)`,
          [tenant.organizationId, customerId, amount, currency, status, tenant.environment, minutesAgo(minutes)],
        ),
      );
    }
  });

  const read = async (): Promise<CustomerView> => {
    const res = await gw.gql<{ customer: CustomerView }>(CUSTOMER_WITH_MONEY, { id: customerId }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    const customer = res.body.data?.customer;
    if (!customer) throw new Error('no customer');
    return customer;
  };

  test('Transaction.amount carries the stored numeric digit for digit, as a JSON string', async () => {
    const customer = await read();
    expect(customer.transactions.map((t) => [t.amount.amount, t.amount.currencyCode, t.status])).toEqual([
      ['500.55', 'USD', 'REFUNDED'],
      ['0.01', 'EUR', 'COMPLETED'],
      ['9999999999999.99', 'EUR', 'COMPLETED'],
      ['0.20', 'USD', 'COMPLETED'],
      ['0.10', 'USD', 'COMPLETED'],
      ['12345678901.23', 'XOF', 'COMPLETED'],
    ]);
    for (const t of customer.transactions) expect(typeof t.amount.amount).toBe('string');
  });

  test('the raw HTTP body has the amounts as strings, never as numbers', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.key },
      body: JSON.stringify({ query: CUSTOMER_WITH_MONEY, variables: { id: customerId } }),
    });
    const text = await response.text();
    expect(text).toContain('"amount":"0.10"');
    expect(text).toContain('"amount":"12345678901.23"');
    expect(text).toContain('"amount":"9999999999999.99"');
  });

  test('grossAmount stays a Float for compatibility, from the same stored value', async () => {
    const customer = await read();
    expect(customer.transactions.map((t) => t.grossAmount)).toEqual([500.55, 0.01, 9999999999999.99, 0.2, 0.1, 12345678901.23]);
  });

  test('amountSpent: per currency, sorted by code, exact sums of COMPLETED only (refunded left out)', async () => {
    const customer = await read();
    expect(customer.amountSpent).toEqual([
      { amount: '10000000000000.00', currencyCode: 'EUR' },
      // 0.10 + 0.20 in binary floats is 0.30000000000000004
      { amount: '0.30', currencyCode: 'USD' },
      { amount: '12345678901.23', currencyCode: 'XOF' },
    ]);
  });

  test('transactionCount counts completed and refunded; lastTransactionAt is the newest one', async () => {
    const customer = await read();
    expect(customer.transactionCount).toBe(6);
    expect(customer.lastTransactionAt).toBe(minutesAgo(10).toISOString());
    expect(customer.hasTransactions).toBe(true);
  });

  test('the schema: Decimal scalar, Money type, grossAmount deprecated with a reason', async () => {
    const schema = buildSchema(await emittedSdl());
    expect(schema.getType('Decimal')?.description).toBe('An exact decimal number written as a JSON string, e.g. "10000.00" or "0.10". Never a binary float.');
    const transaction = schema.getType('Transaction');
    if (!isObjectType(transaction)) throw new Error('no Transaction type');
    const gross = transaction.getFields().grossAmount;
    expect(gross.deprecationReason).toMatch(/use amount/i);
    expect(String(transaction.getFields().amount.type)).toBe('Money!');
  });
});

describe('customer totals', () => {
  const { gw, tenant } = useGateway();

  test('a customer without settled transactions: [], 0, null, false (pending and failed do not count)', async () => {
    const { customer_id: id } = await addCustomer(gw.db.inner, tenant, { name: 'Nothing Settled' });
    await addTransaction(gw.db.inner, tenant, id, { status: 'pending', amount: 10 });
    await addTransaction(gw.db.inner, tenant, id, { status: 'failed', amount: 10 });
    const res = await gw.gql<{ customer: CustomerView }>(CUSTOMER_WITH_MONEY, { id }, { key: tenant.key });
    expect(res.body.data?.customer).toMatchObject({ amountSpent: [], transactionCount: 0, lastTransactionAt: null, hasTransactions: false });
  });

  test('only refunded: counted, but nothing spent', async () => {
    const { customer_id: id } = await addCustomer(gw.db.inner, tenant, { name: 'Refunded Only' });
    await addTransaction(gw.db.inner, tenant, id, { status: 'refunded', amount: 25, createdAt: minutesAgo(3) });
    const res = await gw.gql<{ customer: CustomerView }>(CUSTOMER_WITH_MONEY, { id }, { key: tenant.key });
    expect(res.body.data?.customer).toMatchObject({ amountSpent: [], transactionCount: 1, lastTransactionAt: minutesAgo(3).toISOString(), hasTransactions: true });
  });

  test('a page of customers gets all four totals from ONE batched call, besides the list itself', async () => {
    const other = await gw.tenantWithKey();
    for (let i = 0; i < 12; i++) {
      const { customer_id: id } = await addCustomer(gw.db.inner, other, { name: `Page ${i}` });
      for (let j = 0; j < i % 3; j++) await addTransaction(gw.db.inner, other, id, { amount: 100 + j, currency: j === 0 ? 'XOF' : 'EUR' });
    }
    gw.db.reset();
    const res = await gw.gql<{ customers: { customers: CustomerView[] } }>(PAGE_WITH_TOTALS, { pageSize: 50 }, { key: other.key });
    expect(res.body.errors).toBeUndefined();
    // (the new key is verified once, then cached)
    expect(gw.db.names().filter((n) => n !== 'verify_api_key').sort()).toEqual(['fetch_customer_totals', 'fetch_customers_with_status']);
    const totalsCall = gw.db.calls.find((c) => c.fn === 'fetch_customer_totals');
    expect((totalsCall?.args.p_customer_ids as string[]).length).toBe(12);
    const rows = res.body.data?.customers.customers ?? [];
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const i = Number(row.name.split(' ')[1]);
      expect(row.transactionCount).toBe(i % 3);
      expect(row.hasTransactions).toBe(i % 3 > 0);
      expect(row.amountSpent).toEqual(
        [
          ...(i % 3 === 2 ? [{ amount: '101.00', currencyCode: 'EUR' }] : []),
          ...(i % 3 >= 1 ? [{ amount: '100.00', currencyCode: 'XOF' }] : []),
        ],
      );
    }
  });

  test('sums are computed in SQL as numeric: the function sums exactly what a float would not', async () => {
    const { customer_id: id } = await addCustomer(gw.db.inner, tenant, { name: 'Many Dimes' });
    for (let i = 0; i < 10; i++) {
      await gw.db.inner.session((s) =>
        s.query(
          `insert into transactions (organization_id, customer_id, gross_amount, currency_code, status, environment)
           values ($1, $2, '0.10'::numeric, 'USD', 'completed', $3)`,
          [tenant.organizationId, id, tenant.environment],
        ),
      );
    }
    const [row] = await gw.db.inner.rpc<{ amount_spent: { amount: string }[] }>('fetch_customer_totals', {
      p_customer_ids: [id],
      p_organization_id: tenant.organizationId,
      p_environment: tenant.environment,
    });
    // ten 0.1 floats add up to 0.9999999999999999
    expect(row.amount_spent).toEqual([{ currency_code: 'USD', amount: '1.00' }]);
  });

  test('totals are tenant-scoped: another tenant\'s ids give nothing', async () => {
    const { customer_id: id } = await addCustomer(gw.db.inner, tenant, { name: 'Mine' });
    await addTransaction(gw.db.inner, tenant, id, { amount: 5 });
    const stranger = await gw.tenantWithKey();
    const rows = await gw.db.inner.rpc('fetch_customer_totals', {
      p_customer_ids: [id],
      p_organization_id: stranger.organizationId,
      p_environment: stranger.environment,
    });
    expect(rows).toEqual([]);
  });
});

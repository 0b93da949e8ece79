import { callSqlFunction, useTestDatabase } from '../helpers/database';
import { addCustomer, addTransaction, errorKind, minutesAgo, type TransactionRow } from '../helpers/customers';
import { createTenant, type TestTenant } from '../helpers/tenants';

const db = useTestDatabase();

const single = (t: TestTenant, customerId: string, limit?: number) =>
  callSqlFunction<TransactionRow>(db, 'fetch_customer_transactions', {
    p_customer_id: customerId, p_organization_id: t.organizationId, p_environment: t.environment, p_limit: limit,
  });
const batch = (t: TestTenant, customerIds: string[], limit?: number | null) =>
  db.rpc<TransactionRow>('fetch_transactions_for_customers', {
    p_customer_ids: customerIds, p_organization_id: t.organizationId, p_environment: t.environment, p_limit_per_customer: limit,
  });

describe('fetch_customer_transactions', () => {
  let t: TestTenant;
  let customerId: string;
  let ids: Record<string, string>;
  beforeAll(async () => {
    t = await createTenant(db);
    customerId = (await addCustomer(db, t)).customer_id;
    ids = {
      completedOld: await addTransaction(db, t, customerId, { status: 'completed', createdAt: minutesAgo(30), amount: 10000, description: 'Payment for Product A' }),
      refunded: await addTransaction(db, t, customerId, { status: 'refunded', createdAt: minutesAgo(20), amount: 49.99, currency: 'EUR' }),
      completedNew: await addTransaction(db, t, customerId, { status: 'completed', createdAt: minutesAgo(10) }),
      pending: await addTransaction(db, t, customerId, { status: 'pending', createdAt: minutesAgo(5) }),
      failed: await addTransaction(db, t, customerId, { status: 'failed', createdAt: minutesAgo(4) }),
      expired: await addTransaction(db, t, customerId, { status: 'expired', createdAt: minutesAgo(3) }),
    };
  });

  test('completed and refunded only, newest first', async () => {
    const rows = await single(t, customerId);
    expect(rows.map((row) => row.transaction_id)).toEqual([ids.completedNew, ids.refunded, ids.completedOld]);
  });

  test('returns the public fields, amounts as their exact decimal text', async () => {
    const rows = await single(t, customerId);
    expect(rows[2]).toEqual({
      transaction_id: ids.completedOld, customer_id: customerId, description: 'Payment for Product A',
      gross_amount: '10000.00', currency_code: 'XOF', status: 'completed', created_at: minutesAgo(30),
    });
    expect(rows[1]).toMatchObject({ gross_amount: '49.99', currency_code: 'EUR', status: 'refunded' });
  });

  test('ties on created_at are broken by transaction_id descending', async () => {
    const c = (await addCustomer(db, t)).customer_id;
    const tied = [];
    for (let i = 0; i < 4; i++) tied.push(await addTransaction(db, t, c, { createdAt: minutesAgo(1) }));
    expect((await single(t, c)).map((row) => row.transaction_id)).toEqual(tied.sort().reverse());
  });

  test('p_limit keeps the newest', async () => {
    expect((await single(t, customerId, 2)).map((row) => row.transaction_id)).toEqual([ids.completedNew, ids.refunded]);
  });

  test("nothing for another organization's or environment's view of the customer", async () => {
    const other = await createTenant(db);
    expect(await single(other, customerId)).toEqual([]);
    expect(await single({ ...t, environment: 'live' }, customerId)).toEqual([]);
  });

  test('a customer without settled transactions has none', async () => {
    const c = (await addCustomer(db, t)).customer_id;
    await addTransaction(db, t, c, { status: 'pending' });
    expect(await single(t, c)).toEqual([]);
  });
});

describe('fetch_transactions_for_customers', () => {
  let t: TestTenant;
  let a: string;
  let b: string;
  let c: string;
  let aIds: string[];
  let bIds: string[];
  beforeAll(async () => {
    t = await createTenant(db);
    [a, b, c] = [(await addCustomer(db, t)).customer_id, (await addCustomer(db, t)).customer_id, (await addCustomer(db, t)).customer_id];
    aIds = [];
    for (let i = 5; i >= 1; i--) aIds.unshift(await addTransaction(db, t, a, { createdAt: minutesAgo(i * 10), status: i % 2 ? 'completed' : 'refunded' }));
    bIds = [await addTransaction(db, t, b, { createdAt: minutesAgo(7) })];
    await addTransaction(db, t, b, { status: 'failed', createdAt: minutesAgo(1) });
    await addTransaction(db, t, c, { status: 'pending' });
  });

  const byCustomer = (rows: TransactionRow[]) => {
    const out: Record<string, string[]> = {};
    for (const row of rows) (out[row.customer_id] ??= []).push(row.transaction_id);
    return out;
  };

  test('settled transactions of every customer, newest first each', async () => {
    expect(byCustomer(await batch(t, [a, b, c]))).toEqual({ [a]: aIds, [b]: bIds });
  });

  test('the limit applies per customer, not to the whole result', async () => {
    expect(byCustomer(await batch(t, [a, b], 2))).toEqual({ [a]: aIds.slice(0, 2), [b]: bIds });
    expect(byCustomer(await batch(t, [a, b], 1))).toEqual({ [a]: aIds.slice(0, 1), [b]: bIds });
    expect(byCustomer(await batch(t, [a, b], null))).toEqual({ [a]: aIds, [b]: bIds });
  });

  test("other tenants' customers among the ids are skipped", async () => {
    const other = await createTenant(db);
    const foreign = (await addCustomer(db, other)).customer_id;
    await addTransaction(db, other, foreign);
    expect(byCustomer(await batch(t, [a, foreign], 1))).toEqual({ [a]: aIds.slice(0, 1) });
    expect(await batch(other, [a, b])).toEqual([]);
    expect(await batch({ ...t, environment: 'live' }, [a, b])).toEqual([]);
  });

  test('no ids, no rows; a malformed id is invalid input', async () => {
    expect(await batch(t, [])).toEqual([]);
    expect(await errorKind(batch(t, ['nope']))).toBe('invalid_input');
  });
});

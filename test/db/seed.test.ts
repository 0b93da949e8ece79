import { useTestDatabase } from '../helpers/database';
import { countCustomers, errorKind } from '../helpers/customers';
import { createTenant, type TestTenant } from '../helpers/tenants';

const db = useTestDatabase();

const seed = (t: TestTenant, customers: number, perCustomer?: number) =>
  db.rpc<{ customers: number; transactions: number }>('seed_demo_customers', {
    p_organization_id: t.organizationId, p_environment: t.environment, p_customers: customers, p_transactions_per_customer: perCustomer,
  });

describe('seed_demo_customers', () => {
  let t: TestTenant;
  let result: { customers: number; transactions: number };
  beforeAll(async () => {
    t = await createTenant(db, 'live');
    [result] = await seed(t, 300, 3);
  });

  test('reports what it wrote, and wrote it into the tenant', async () => {
    expect(result.customers).toBe(300);
    expect(await countCustomers(db, t)).toBe(300);
    const [{ n }] = await db.session((s) => s.query<{ n: number }>(
      "select count(*)::int as n from transactions where organization_id = $1 and environment = 'live'", [t.organizationId]));
    expect(n).toBe(result.transactions);
    // 0 to 2 × 3 per customer: about 900, never more than 1,800
    expect(result.transactions).toBeGreaterThan(600);
    expect(result.transactions).toBeLessThanOrEqual(1800);
  });

  test('looks like West-African customers, businesses and individuals, active and not', async () => {
    const rows = await db.session((s) => s.query<{ phone_number: string; country: string; is_business: boolean; email: string | null; created_by: string }>(
      'select phone_number, country, is_business, email, created_by from customers where organization_id = $1', [t.organizationId]));
    expect(rows.every((row) => /^\+22[15]\d{9,10}$/.test(row.phone_number))).toBe(true);
    expect(new Set(rows.map((row) => row.country))).toEqual(new Set(['Senegal', "Côte d'Ivoire"]));
    expect(rows.some((row) => row.is_business) && rows.some((row) => !row.is_business)).toBe(true);
    expect(rows.every((row) => row.created_by === t.merchantId)).toBe(true);
    expect(rows.every((row) => row.email === null || !row.email.includes(' '))).toBe(true);
    expect(await countCustomers(db, t, { p_activity_status: 'active' })).toBeGreaterThan(0);
    expect(await countCustomers(db, t, { p_activity_status: 'inactive' })).toBeGreaterThan(0);
  });

  test('transactions come in every status and in XOF, EUR and USD, after their customer was created', async () => {
    const rows = await db.session((s) => s.query<{ status: string; currency_code: string; before_customer: boolean }>(
      `select t.status, t.currency_code, t.created_at < c.created_at as before_customer
       from transactions t join customers c using (customer_id) where t.organization_id = $1`, [t.organizationId]));
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['pending', 'completed', 'failed', 'refunded', 'expired']));
    expect(new Set(rows.map((row) => row.currency_code))).toEqual(new Set(['XOF', 'EUR', 'USD']));
    expect(rows.some((row) => row.before_customer)).toBe(false);
  });

  test('no transactions when asked for none; bad counts are invalid input', async () => {
    const other = await createTenant(db);
    expect(await seed(other, 5, 0)).toEqual([{ customers: 5, transactions: 0 }]);
    expect(await errorKind(seed(other, -1))).toBe('invalid_input');
    expect(await errorKind(seed(other, 5, 101))).toBe('invalid_input');
  });
});

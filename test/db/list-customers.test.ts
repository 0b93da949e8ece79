import { useTestDatabase } from '../helpers/database';
import {
  addCustomer, addTransaction, countCustomers, errorKind, listCustomers, minutesAgo, names, setCustomerCreatedAt,
} from '../helpers/customers';
import { createTenant, type TestTenant } from '../helpers/tenants';

const db = useTestDatabase();

describe('search', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTenant(db);
    await addCustomer(db, t, { name: 'Johnny Walker', email: 'jw@example.com' });
    await addCustomer(db, t, { name: 'Awa Diop', email: 'JOHN.doe@Example.com' });
    await addCustomer(db, t, { name: '100% Pure', email: null });
    await addCustomer(db, t, { name: '1000 Pure', email: null });
    await addCustomer(db, t, { name: 'snake_case', email: null });
    await addCustomer(db, t, { name: 'snakeXcase', email: null });
    await addCustomer(db, t, { name: 'back\\slash', email: null });
    await addCustomer(db, t, { name: 'backslash', email: null });
  });
  const search = async (term: string | null): Promise<string[]> =>
    names(await listCustomers(db, t, { p_search_term: term })).sort();

  test('matches a case-insensitive substring of the name or the email', async () => {
    expect(await search('john')).toEqual(['Awa Diop', 'Johnny Walker']);
    expect(await search('DOE@EXAMPLE')).toEqual(['Awa Diop']);
    expect(await search('alk')).toEqual(['Johnny Walker']);
  });

  test('takes %, _ and \\ literally', async () => {
    expect(await search('%')).toEqual(['100% Pure']);
    expect(await search('0%')).toEqual(['100% Pure']);
    expect(await search('_')).toEqual(['snake_case']);
    expect(await search('e_c')).toEqual(['snake_case']);
    expect(await search('\\')).toEqual(['back\\slash']);
    expect(await search('k\\s')).toEqual(['back\\slash']);
  });

  test('an empty, blank or absent search means no filter', async () => {
    const all = await search(null);
    expect(all).toHaveLength(8);
    expect(await search('')).toEqual(all);
    expect(await search('   ')).toEqual(all);
  });

  test('ignores spaces around the term', async () => {
    expect(await search('  walker ')).toEqual(['Johnny Walker']);
  });

  test('the count applies the same search', async () => {
    expect(await countCustomers(db, t, { p_search_term: 'john' })).toBe(2);
    expect(await countCustomers(db, t, { p_search_term: '%' })).toBe(1);
    expect(await countCustomers(db, t, { p_search_term: ' ' })).toBe(8);
  });
});

describe('customer type', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTenant(db);
    await addCustomer(db, t, { name: 'Acme SARL', is_business: true });
    await addCustomer(db, t, { name: 'Fatou Sow', is_business: false });
    await addCustomer(db, t, { name: 'Moussa Ba' });
  });

  test('business, individual and all', async () => {
    expect(names(await listCustomers(db, t, { p_customer_type: 'business' }))).toEqual(['Acme SARL']);
    expect(names(await listCustomers(db, t, { p_customer_type: 'individual' })).sort()).toEqual(['Fatou Sow', 'Moussa Ba']);
    expect(await listCustomers(db, t, { p_customer_type: 'all' })).toHaveLength(3);
    expect(await listCustomers(db, t, { p_customer_type: null })).toHaveLength(3);
    expect(await countCustomers(db, t, { p_customer_type: 'business' })).toBe(1);
    expect(await countCustomers(db, t, { p_customer_type: 'individual' })).toBe(2);
  });

  test('an unknown type is invalid input', async () => {
    expect(await errorKind(listCustomers(db, t, { p_customer_type: 'company' }))).toBe('invalid_input');
    expect(await errorKind(countCustomers(db, t, { p_customer_type: 'company' }))).toBe('invalid_input');
  });
});

describe('activity status', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTenant(db);
    const completed = await addCustomer(db, t, { name: 'completed' });
    await addTransaction(db, t, completed.customer_id, { status: 'completed' });
    const refunded = await addCustomer(db, t, { name: 'refunded' });
    await addTransaction(db, t, refunded.customer_id, { status: 'refunded' });
    const unsettled = await addCustomer(db, t, { name: 'unsettled' });
    for (const status of ['pending', 'failed', 'expired'] as const) {
      await addTransaction(db, t, unsettled.customer_id, { status });
    }
    await addCustomer(db, t, { name: 'none' });
  });

  test('active = at least one completed or refunded transaction', async () => {
    expect(names(await listCustomers(db, t, { p_activity_status: 'active' })).sort()).toEqual(['completed', 'refunded']);
    expect(await countCustomers(db, t, { p_activity_status: 'active' })).toBe(2);
  });

  test('inactive = not active, pending/failed/expired transactions included', async () => {
    expect(names(await listCustomers(db, t, { p_activity_status: 'inactive' })).sort()).toEqual(['none', 'unsettled']);
    expect(await countCustomers(db, t, { p_activity_status: 'inactive' })).toBe(2);
  });

  test('all ignores transactions', async () => {
    expect(await listCustomers(db, t, { p_activity_status: 'all' })).toHaveLength(4);
  });

  test('only transactions of the same environment count: another environment cannot even hold one', async () => {
    const [customer] = await listCustomers(db, t, { p_search_term: 'none' });
    const live: TestTenant = { ...t, environment: 'live' };
    // the tenant-consistent foreign key (SQLSTATE 23503) keeps a customer's transactions in its environment
    await expect(addTransaction(db, live, customer.customer_id)).rejects.toMatchObject({ code: '23503' });
    const other = await createTenant(db);
    await expect(addTransaction(db, other, customer.customer_id)).rejects.toMatchObject({ code: '23503' });
    expect(names(await listCustomers(db, t, { p_activity_status: 'inactive' }))).toContain('none');
  });

  test('an unknown status is invalid input', async () => {
    expect(await errorKind(listCustomers(db, t, { p_activity_status: 'dormant' }))).toBe('invalid_input');
  });

  test('filters combine', async () => {
    expect(names(await listCustomers(db, t, { p_activity_status: 'active', p_search_term: 'REFUND' }))).toEqual(['refunded']);
    expect(await listCustomers(db, t, { p_activity_status: 'active', p_customer_type: 'business' })).toEqual([]);
  });
});

describe('order', () => {
  test('newest first, ties broken by customer_id descending', async () => {
    const t = await createTenant(db);
    const old = await addCustomer(db, t, { name: 'old' });
    const tied = [await addCustomer(db, t), await addCustomer(db, t), await addCustomer(db, t)];
    const newest = await addCustomer(db, t, { name: 'newest' });
    await setCustomerCreatedAt(db, old.customer_id, minutesAgo(60));
    for (const c of tied) await setCustomerCreatedAt(db, c.customer_id, minutesAgo(30));
    await setCustomerCreatedAt(db, newest.customer_id, minutesAgo(1));

    const ids = (await listCustomers(db, t)).map((row) => row.customer_id);
    const tiedDesc = tied.map((c) => c.customer_id).sort().reverse();
    expect(ids).toEqual([newest.customer_id, ...tiedDesc, old.customer_id]);
  });
});

describe('pagination and totals', () => {
  let t: TestTenant;
  let all: string[];
  beforeAll(async () => {
    t = await createTenant(db);
    for (let i = 0; i < 7; i++) await addCustomer(db, t, { name: `p${i}` });
    all = (await listCustomers(db, t)).map((row) => row.customer_id);
  });

  test('pages follow each other without gaps or repeats', async () => {
    const pages = [];
    for (const offset of [0, 3, 6]) pages.push(...(await listCustomers(db, t, { p_offset: offset, p_limit: 3 })));
    expect(pages.map((row) => row.customer_id)).toEqual(all);
  });

  test('total_count on every row of every page is the number of matches', async () => {
    for (const [offset, size] of [[0, 3], [3, 3], [6, 1]]) {
      const rows = await listCustomers(db, t, { p_offset: offset, p_limit: 3 });
      expect(rows).toHaveLength(size);
      expect(rows.every((row) => row.total_count === 7)).toBe(true);
    }
  });

  test('past the last page: no rows, and the count is still right', async () => {
    expect(await listCustomers(db, t, { p_offset: 9, p_limit: 3 })).toEqual([]);
    expect(await listCustomers(db, t, { p_offset: 1000, p_limit: 3 })).toEqual([]);
    expect(await countCustomers(db, t)).toBe(7);
  });

  test('p_include_total false skips the count', async () => {
    const rows = await listCustomers(db, t, { p_include_total: false, p_limit: 3 });
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.total_count === null)).toBe(true);
    const withTotal = await listCustomers(db, t, { p_include_total: true, p_limit: 3 });
    expect(withTotal.every((row) => row.total_count === 7)).toBe(true);
  });

  test('the total follows the filters', async () => {
    const rows = await listCustomers(db, t, { p_search_term: 'p1', p_limit: 3 });
    expect(rows.map((row) => row.total_count)).toEqual([1]);
  });

  test('limit must be 1 to 200 and offset 0 or more', async () => {
    expect(await listCustomers(db, t, { p_limit: 200 })).toHaveLength(7);
    for (const bad of [{ p_limit: 0 }, { p_limit: 201 }, { p_limit: null }, { p_offset: -1 }, { p_offset: null }]) {
      expect(await errorKind(listCustomers(db, t, bad))).toBe('invalid_input');
    }
  });
});

describe('merchant', () => {
  test('p_merchant_id does not narrow the organization-wide list', async () => {
    const t = await createTenant(db);
    await addCustomer(db, t);
    await addCustomer(db, t);
    expect(await listCustomers(db, t, { p_merchant_id: null })).toHaveLength(2);
    expect(await listCustomers(db, t, { p_merchant_id: '00000000-0000-4000-8000-000000000000' })).toHaveLength(2);
  });
});

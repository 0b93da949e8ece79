/**
 * Contract of the Supabase adapter with PostgREST. PostgREST cannot run on these machines, so
 * the adapter (real supabase-js, real HTTP) talks to a local stand-in that records each request
 * and answers like PostgREST's RPC endpoint by calling the SQL function on the test database.
 * These tests pin the requests supabase-js sends and that the results equal the SQL adapter's.
 */
import { randomBytes } from 'node:crypto';
import type { RpcFunction } from '../../src/db/database';
import { RPC_FUNCTIONS } from '../../src/db/database';
import type { CustomerRow, TransactionRow } from '../helpers/customers';
import type { ReceivedRequest } from '../helpers/postgrest-standin';
import { useSupabaseOverStandin } from '../helpers/postgrest-standin';
import type { TestTenant } from '../helpers/tenants';

const { sql, standin, supa } = useSupabaseOverStandin();

/** Calls through the adapter and returns the rows with the one request it caused. */
async function call<R extends object>(fn: RpcFunction, args: Record<string, unknown>): Promise<{ rows: R[]; request: ReceivedRequest }> {
  const before = standin.requests.length;
  const rows = await supa.rpc<R>(fn, args);
  expect(standin.requests.length).toBe(before + 1);
  return { rows, request: standin.requests[before] };
}

/** What every RPC request must look like. */
function expectRpcRequest(request: ReceivedRequest, fn: RpcFunction, body: unknown): void {
  expect(request.method).toBe('POST');
  expect(request.path).toBe(`/rest/v1/rpc/${fn}`);
  expect(request.headers.apikey).toBe(standin.serviceRoleKey);
  expect(request.headers.authorization).toBe(`Bearer ${standin.serviceRoleKey}`);
  expect(request.headers['content-type']).toMatch(/^application\/json/);
  expect(request.headers['content-profile']).toBe('public');
  // no Prefer header: no count, no return=minimal (that would drop the rows)
  expect(request.headers.prefer).toBeUndefined();
  expect(request.body).toEqual(body);
}

const seen = new Set<RpcFunction>();
afterAll(() => {
  // every function the gateway may call has its request pinned here
  expect([...RPC_FUNCTIONS].filter((fn) => !seen.has(fn))).toEqual([]);
});

function pin(request: ReceivedRequest, fn: RpcFunction, body: unknown): void {
  expectRpcRequest(request, fn, body);
  seen.add(fn);
}

describe('requests and results of every function', () => {
  let tenant: TestTenant;
  let scope: { p_organization_id: string; p_environment: string };
  let customers: CustomerRow[];

  beforeAll(async () => {
    const created = await call<{ organization_id: string; merchant_id: string }>('create_organization', { p_name: 'Supabase Org' });
    pin(created.request, 'create_organization', { p_name: 'Supabase Org' });
    tenant = { organizationId: created.rows[0].organization_id, merchantId: created.rows[0].merchant_id, environment: 'test' };
    scope = { p_organization_id: tenant.organizationId, p_environment: 'test' };
  });

  test('seed_demo_customers: counts come back as numbers', async () => {
    const args = { ...scope, p_customers: 4, p_transactions_per_customer: 3 };
    const { rows, request } = await call<{ customers: number; transactions: number }>('seed_demo_customers', args);
    pin(request, 'seed_demo_customers', args);
    expect(rows[0].customers).toBe(4);
    expect(typeof rows[0].transactions).toBe('number');
  });

  test('create_customer: jsonb argument sent as a JSON object, undefined arguments left out, timestamps as Date', async () => {
    const args = {
      p_merchant_id: tenant.merchantId,
      ...scope,
      p_name: 'Awa Diallo',
      p_email: 'awa@example.com',
      p_phone_number: undefined,
      p_is_business: true,
      p_metadata: { tier: 'gold', tags: ['a', 'b'], nested: { n: 1 } },
    };
    const { rows, request } = await call<CustomerRow>('create_customer', args);
    const { p_phone_number: _omitted, ...sent } = args;
    pin(request, 'create_customer', sent);
    expect(request.rawBody).not.toContain('p_phone_number');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Awa Diallo', is_business: true, metadata: { tier: 'gold', tags: ['a', 'b'], nested: { n: 1 } } });
    expect(rows[0].created_at).toBeInstanceOf(Date);
    expect(rows[0].updated_at).toBeInstanceOf(Date);
    // the same row as the SQL adapter returns
    const [direct] = await sql.rpc<CustomerRow>('get_customers_by_ids', { ...scope, p_customer_ids: [rows[0].customer_id] });
    expect(rows[0]).toEqual(direct);
  });

  test('fetch_customers_with_status and count_customers_with_status: same rows as the SQL adapter, total as a number', async () => {
    const args = {
      p_merchant_id: tenant.merchantId,
      ...scope,
      p_search_term: null,
      p_customer_type: 'all',
      p_activity_status: 'all',
      p_offset: 0,
      p_limit: 50,
      p_include_total: true,
    };
    const { rows, request } = await call<CustomerRow & { total_count: number }>('fetch_customers_with_status', args);
    pin(request, 'fetch_customers_with_status', args);
    expect(rows).toHaveLength(5);
    expect(rows[0].total_count).toBe(5);
    expect(rows).toEqual(await sql.rpc('fetch_customers_with_status', args));
    customers = rows;

    // A term only the customer made above holds (demo names are random, demo emails end in
    // example.com or business.example), so the count cannot depend on the seed's draw.
    const countArgs = { ...scope, p_search_term: 'awa@example.com', p_customer_type: 'business', p_activity_status: 'all' };
    const count = await call<{ total_count: number }>('count_customers_with_status', countArgs);
    pin(count.request, 'count_customers_with_status', countArgs);
    expect(count.rows).toEqual([{ total_count: 1 }]);
  });

  test('get_customers_by_ids: ids sent as a JSON array', async () => {
    const one = { p_customer_ids: [customers[0].customer_id], ...scope };
    const single = await call<CustomerRow>('get_customers_by_ids', one);
    expect(single.rows).toEqual([customers[0]].map(({ ...c }) => stripTotal(c)));

    const ids = customers.slice(0, 3).map((c) => c.customer_id);
    const many = { p_customer_ids: ids, ...scope };
    const batch = await call<CustomerRow>('get_customers_by_ids', many);
    pin(batch.request, 'get_customers_by_ids', many);
    expect(batch.request.rawBody).toContain(`"p_customer_ids":${JSON.stringify(ids)}`);
    expect(new Set(batch.rows.map((c) => c.customer_id))).toEqual(new Set(ids));
    expect(batch.rows).toEqual(await sql.rpc('get_customers_by_ids', many));
  });

  test('fetch_transactions_for_customers: amounts as exact decimal text, created_at as Date', async () => {
    const ids = customers.map((c) => c.customer_id);
    const args = { p_customer_ids: ids, ...scope, p_limit_per_customer: 2 };
    const batch = await call<TransactionRow>('fetch_transactions_for_customers', args);
    pin(batch.request, 'fetch_transactions_for_customers', args);
    expect(Array.isArray((batch.request.body as { p_customer_ids: unknown }).p_customer_ids)).toBe(true);
    expect(batch.rows).toEqual(await sql.rpc('fetch_transactions_for_customers', args));
    for (const t of batch.rows) {
      expect(t.gross_amount).toMatch(/^\d+\.\d{2}$/);
      expect(t.created_at).toBeInstanceOf(Date);
    }
  });

  test('fetch_customers_connection and fetch_transactions_connection: sort values as full-precision text, same rows as the SQL adapter', async () => {
    const args = {
      ...scope,
      p_search_term: null,
      p_customer_type: 'all',
      p_activity_status: 'all',
      p_sort_key: 'created_at',
      p_ascending: false,
      p_limit: 3,
    };
    const first = await call<CustomerRow & { sort_value: string; has_before: boolean }>('fetch_customers_connection', args);
    pin(first.request, 'fetch_customers_connection', args);
    expect(first.rows).toHaveLength(3);
    expect(first.rows).toEqual(await sql.rpc('fetch_customers_connection', args));
    for (const row of first.rows) {
      expect(row.sort_value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(row.created_at).toBeInstanceOf(Date);
      expect(row.has_before).toBe(false);
    }
    const last = first.rows[2];
    const nextArgs = { ...args, p_sort_key: 'name', p_ascending: true, p_after_value: last.name.toLowerCase(), p_after_id: last.customer_id };
    const next = await call<CustomerRow & { has_before: boolean }>('fetch_customers_connection', nextArgs);
    expectRpcRequest(next.request, 'fetch_customers_connection', nextArgs);
    expect(next.rows).toEqual(await sql.rpc('fetch_customers_connection', nextArgs));

    const ids = customers.map((c) => c.customer_id);
    const txArgs = { p_customer_ids: ids, ...scope, p_ascending: false, p_limit: 2 };
    const page = await call<TransactionRow & { sort_value: string }>('fetch_transactions_connection', txArgs);
    pin(page.request, 'fetch_transactions_connection', txArgs);
    expect(page.rows.length).toBeGreaterThan(0);
    expect(page.rows).toEqual(await sql.rpc('fetch_transactions_connection', txArgs));
    for (const t of page.rows) {
      expect(t.gross_amount).toMatch(/^\d+\.\d{2}$/);
      expect(t.created_at).toBeInstanceOf(Date);
      expect(t.sort_value).toMatch(/\.\d{6}Z$/);
    }
    const afterArgs = { ...txArgs, p_after_created_at: page.rows[0].sort_value, p_after_id: page.rows[0].transaction_id };
    const after = await call<TransactionRow>('fetch_transactions_connection', afterArgs);
    expectRpcRequest(after.request, 'fetch_transactions_connection', afterArgs);
    expect(after.rows).toEqual(await sql.rpc('fetch_transactions_connection', afterArgs));
  });

  test('fetch_customer_changes: the feed position as text, changed_at as Date, same rows as the SQL adapter', async () => {
    const args = { ...scope, p_limit: 3 };
    // changes become visible once every older transaction of the server has ended: on a
    // shared PostgreSQL server another client's open transaction can delay them a moment
    for (let waited = 0; waited < 600 && (await sql.rpc('fetch_customer_changes', args)).length < 3; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const first = await call<CustomerRow & { deleted: boolean; changed_at: Date; change_xid: string; change_position: string; skip_deleted_before: string }>(
      'fetch_customer_changes',
      args,
    );
    pin(first.request, 'fetch_customer_changes', args);
    expect(first.rows).toHaveLength(3);
    // A read from the beginning returns its own snapshot's bound (skip_deleted_before), which
    // moves with the other clients of a shared server between two reads: compare the rest.
    const withoutBound = (rows: object[]) => rows.map((row) => ({ ...row, skip_deleted_before: undefined }));
    expect(withoutBound(first.rows)).toEqual(withoutBound(await sql.rpc('fetch_customer_changes', args)));
    for (const row of first.rows) {
      expect(row.changed_at).toBeInstanceOf(Date);
      expect(row.change_xid).toMatch(/^\d+$/);
      expect(row.change_position).toMatch(/^\d+$/);
      expect(row.skip_deleted_before).toMatch(/^\d+$/);
    }
    const last = first.rows[2];
    const nextArgs = { ...scope, p_limit: 100, p_after_xid: last.change_xid, p_after_position: last.change_position, p_skip_deleted_before: last.skip_deleted_before };
    const next = await call('fetch_customer_changes', nextArgs);
    expectRpcRequest(next.request, 'fetch_customer_changes', nextArgs);
    expect(next.rows).toEqual(await sql.rpc('fetch_customer_changes', nextArgs));
  });

  test('update_customer: the patch is a JSON object; delete_customer', async () => {
    const target = customers[1];
    const args = { p_customer_id: target.customer_id, ...scope, p_patch: { name: 'Renamed', metadata: null } };
    const updated = await call<CustomerRow>('update_customer', args);
    pin(updated.request, 'update_customer', args);
    expect(updated.rows[0]).toMatchObject({ customer_id: target.customer_id, name: 'Renamed', metadata: null });

    const del = { p_customer_id: target.customer_id, ...scope };
    const deleted = await call<{ deleted: boolean }>('delete_customer', del);
    pin(deleted.request, 'delete_customer', del);
    expect(deleted.rows).toEqual([{ deleted: true }]);

    // a function answering with no rows is an empty array, as from the SQL adapter
    const gone = await call<CustomerRow>('get_customers_by_ids', { p_customer_ids: [target.customer_id], ...scope });
    expect(gone.rows).toEqual([]);
  });

  test('fetch_customer_totals: exact sums as text inside JSON, counts as numbers, timestamps as Date', async () => {
    const ids = customers.map((c) => c.customer_id);
    const args = { p_customer_ids: ids, ...scope };
    const totals = await call<{ transaction_count: number; last_transaction_at: Date | null; amount_spent: { currency_code: string; amount: string }[] }>(
      'fetch_customer_totals',
      args,
    );
    pin(totals.request, 'fetch_customer_totals', args);
    expect(totals.rows).toEqual(await sql.rpc('fetch_customer_totals', args));
    for (const row of totals.rows) {
      expect(typeof row.transaction_count).toBe('number');
      if (row.transaction_count > 0) expect(row.last_transaction_at).toBeInstanceOf(Date);
      for (const spent of row.amount_spent) expect(spent.amount).toMatch(/^\d+\.\d{2}$/);
    }
  });

  test('restore_customer, erase_customer (with the merchant) and purge_idempotency_keys', async () => {
    const target = customers[1];
    const restoreArgs = { p_customer_id: target.customer_id, ...scope };
    const restored = await call<CustomerRow>('restore_customer', restoreArgs);
    pin(restored.request, 'restore_customer', restoreArgs);
    expect(restored.rows).toEqual(await sql.rpc('get_customers_by_ids', { p_customer_ids: [target.customer_id], ...scope }));
    expect(restored.rows[0]).toMatchObject({ customer_id: target.customer_id, name: 'Renamed' });

    const eraseArgs = { p_customer_id: target.customer_id, ...scope, p_merchant_id: tenant.merchantId };
    const erased = await call<{ erased: boolean }>('erase_customer', eraseArgs);
    pin(erased.request, 'erase_customer', eraseArgs);
    expect(erased.rows).toEqual([{ erased: true }]);

    const purged = await call<{ purged: number }>('purge_idempotency_keys', {});
    pin(purged.request, 'purge_idempotency_keys', {});
    expect(typeof purged.rows[0].purged).toBe('number');
  });

  test('API keys: create (Date argument as ISO text), verify, list (nullable timestamps), revoke', async () => {
    const hash = randomBytes(32).toString('hex');
    const expiresAt = new Date(Date.now() + 86_400_000);
    const createArgs = { ...scope, p_key_hash: hash, p_key_prefix: 'lomi_test_abc', p_name: 'k', p_expires_at: expiresAt };
    const created = await call<{ api_key_id: string }>('create_api_key', createArgs);
    pin(created.request, 'create_api_key', { ...createArgs, p_expires_at: expiresAt.toISOString() });

    const verified = await call<{ organization_id: string; environment: string }>('verify_api_key', { p_key_hash: hash });
    pin(verified.request, 'verify_api_key', { p_key_hash: hash });
    expect(verified.rows).toEqual([{ api_key_id: created.rows[0].api_key_id, organization_id: tenant.organizationId, merchant_id: tenant.merchantId, environment: 'test', expires_at: expect.any(Date) }]);

    const listed = await call<{ expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null; created_at: Date }>('list_api_keys', {
      p_organization_id: tenant.organizationId,
    });
    pin(listed.request, 'list_api_keys', { p_organization_id: tenant.organizationId });
    expect(listed.rows).toHaveLength(1);
    expect(listed.rows[0].expires_at).toEqual(expiresAt);
    expect(listed.rows[0].revoked_at).toBeNull();
    expect(listed.rows[0].last_used_at).toBeInstanceOf(Date);
    expect(listed.rows[0].created_at).toBeInstanceOf(Date);
    expect(listed.rows).toEqual(await sql.rpc('list_api_keys', { p_organization_id: tenant.organizationId }));

    const revoked = await call<{ revoked_at: Date }>('revoke_api_key', { p_api_key_id: created.rows[0].api_key_id });
    pin(revoked.request, 'revoke_api_key', { p_api_key_id: created.rows[0].api_key_id });
    expect(revoked.rows[0].revoked_at).toBeInstanceOf(Date);
    expect((await call('verify_api_key', { p_key_hash: hash })).rows).toEqual([]);
  });

  test('list_organizations: the admin CLI\'s org list, with counts and created_at as Date', async () => {
    const listed = await call<{ organization_id: string; created_at: Date; merchants: number; active_keys: number }>('list_organizations', { p_limit: 10_000 });
    pin(listed.request, 'list_organizations', { p_limit: 10_000 });
    const mine = listed.rows.find((row) => row.organization_id === tenant.organizationId);
    expect(mine).toBeDefined();
    expect(mine?.created_at).toBeInstanceOf(Date);
    expect(Number(mine?.merchants)).toBeGreaterThanOrEqual(1);
    // other test files create organizations meanwhile: compare this tenant's row only
    const direct = await sql.rpc<{ organization_id: string }>('list_organizations', { p_limit: 10_000 });
    expect(mine).toEqual(direct.find((row) => row.organization_id === tenant.organizationId));
  });

  test('ping calls a cheap read-only function', async () => {
    const before = standin.requests.length;
    await supa.ping();
    expect(standin.requests.slice(before).map((r) => r.path)).toEqual(['/rest/v1/rpc/list_api_keys']);
  });
});

function stripTotal<T extends object>(row: T): Omit<T, 'total_count'> {
  const { total_count: _total, ...rest } = row as T & { total_count?: unknown };
  return rest;
}

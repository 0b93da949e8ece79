import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SqlDatabase } from '../../src/db/sql-database';
import type {
  ActivityStatus,
  CustomerSortKey,
  CustomerType,
  CustomersConnectionQuery,
  CustomersConnectionQueryVariables,
  CustomerTransactionsConnectionQuery,
  CustomerTransactionsConnectionQueryVariables,
} from '../generated/graphql';
import {
  CustomersConnectionCountDocument,
  CustomersConnectionDocument,
  CustomerTransactionsConnectionDocument,
  PageWithTransactionsConnectionDocument,
} from '../generated/graphql';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';

/**
 * Cursor connections over real HTTP: every sort with every filter, forward and backward,
 * bounds, tampered and foreign cursors, cursors across restarts, microsecond ties, and a
 * customer's transactions beyond 100. Expected orders come from plain SQL ORDER BY on the
 * same rows (the database's collation decides name order).
 */

// Walks of every sort and filter make hundreds of requests: more than the default allows on a busy machine.
jest.setTimeout(300_000);

type Connection = CustomersConnectionQuery['customersConnection'];
type TransactionsPage = NonNullable<CustomerTransactionsConnectionQuery['customer']>['transactionsConnection'];

const SORTS: CustomerSortKey[] = ['CREATED_AT', 'UPDATED_AT', 'NAME'];
const TYPES: CustomerType[] = ['ALL', 'BUSINESS', 'INDIVIDUAL'];
const STATUSES: ActivityStatus[] = ['ALL', 'ACTIVE', 'INACTIVE'];

interface Tenant {
  key: string;
  organizationId: string;
  merchantId: string;
}

/**
 * `count` customers with distinct created_at and updated_at (in unrelated orders), names with
 * duplicates and mixed case, every third a business, every other one with settled
 * transactions.
 */
async function seed(gw: TestGateway, count: number): Promise<Tenant> {
  const tenant = await gw.tenantWithKey();
  const sql = gw.db.inner as SqlDatabase;
  await sql.session(async (s) => {
    await s.query(
      `insert into customers (organization_id, created_by, name, email, is_business, environment, created_at, updated_at)
       select $1, $2,
              (array['amina', 'Binta', 'cheikh', 'Awa', 'awa', 'Zé', 'émile', 'Ousmane'])[1 + i % 8] || ' ' || (i % 5),
              'c' || i || '@example.com', i % 3 = 0, 'test',
              timestamptz '2024-01-01 00:00:00Z' + (i || ' minutes')::interval,
              timestamptz '2024-06-01 00:00:00Z' + (((i * 37) % $3) || ' minutes')::interval
       from generate_series(1, $3::int) i`,
      [tenant.organizationId, tenant.merchantId, count],
    );
    await s.query(
      `insert into transactions (organization_id, customer_id, gross_amount, currency_code, status, environment)
       select c.organization_id, c.customer_id, 10.00, 'XOF', 'completed', 'test'
       from customers c where c.organization_id = $1 and substring(c.email from 'c([0-9]+)@')::int % 2 = 0`,
      [tenant.organizationId],
    );
  });
  return tenant;
}

/** The ids in the connection's documented order, by plain SQL. */
async function expectedOrder(gw: TestGateway, tenant: Tenant, sortKey: CustomerSortKey, reverse: boolean, type: CustomerType, status: ActivityStatus, search = ''): Promise<string[]> {
  const key = { CREATED_AT: 'created_at desc, customer_id desc', UPDATED_AT: 'updated_at desc, customer_id desc', NAME: 'lower(name), customer_id' }[sortKey];
  const flipped = key.split(', ').map((part) => (part.endsWith(' desc') ? part.slice(0, -5) : `${part} desc`)).join(', ');
  const settled = `exists (select 1 from transactions t where t.customer_id = c.customer_id and t.status in ('completed', 'refunded'))`;
  const rows = await (gw.db.inner as SqlDatabase).session((s) =>
    s.query<{ customer_id: string }>(
      `select customer_id from customers c
       where organization_id = $1 and environment = 'test' and not is_deleted
         and ($2 = 'ALL' or is_business = ($2 = 'BUSINESS'))
         and ($3 = 'ALL' or (${settled}) = ($3 = 'ACTIVE'))
         and ($4 = '' or name ilike '%' || $4 || '%' or email ilike '%' || $4 || '%')
       order by ${reverse ? flipped : key}`,
      [tenant.organizationId, type, status, search],
    ),
  );
  return rows.map((row) => row.customer_id);
}

async function page(gw: TestGateway, key: string, variables: CustomersConnectionQueryVariables): Promise<Connection> {
  const res = await gw.gql(CustomersConnectionDocument, variables, { key });
  expect(res.body.errors).toBeUndefined();
  const connection = res.body.data?.customersConnection;
  if (!connection) throw new Error('no connection');
  // nodes are the edges' nodes
  expect(connection.nodes.map((n) => n.id)).toEqual(connection.edges.map((e) => e.node.id));
  return connection;
}

/** Every page forward (first/after), checking pageInfo on the way; the ids in order. */
async function walkForward(gw: TestGateway, key: string, size: number, variables: CustomersConnectionQueryVariables = {}): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const connection = await page(gw, key, { ...variables, first: size, after });
    ids.push(...connection.edges.map((e) => e.node.id));
    expect(connection.pageInfo.hasPreviousPage).toBe(after !== null && ids.length > connection.edges.length);
    expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
    expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
    if (!connection.pageInfo.hasNextPage) return ids;
    expect(connection.edges).toHaveLength(size);
    after = connection.pageInfo.endCursor;
  }
  throw new Error('walk did not end');
}

/** Every page backward (last/before) from the end; the ids in the connection's order. */
async function walkBackward(gw: TestGateway, key: string, size: number, variables: CustomersConnectionQueryVariables = {}): Promise<string[]> {
  const ids: string[] = [];
  let before: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const connection = await page(gw, key, { ...variables, last: size, before });
    ids.unshift(...connection.edges.map((e) => e.node.id));
    if (before !== null && connection.edges.length > 0) expect(connection.pageInfo.hasNextPage).toBe(true);
    if (!connection.pageInfo.hasPreviousPage) return ids;
    expect(connection.edges).toHaveLength(size);
    before = connection.pageInfo.startCursor;
  }
  throw new Error('walk did not end');
}

describe('customersConnection', () => {
  let gw: TestGateway;
  let tenant: Tenant;
  beforeAll(async () => {
    gw = await startGateway();
    tenant = await seed(gw, 61);
  });
  afterAll(() => gw.close());

  test('defaults: the first 50, newest first; the rest on the next page', async () => {
    const expected = await expectedOrder(gw, tenant, 'CREATED_AT', false, 'ALL', 'ALL');
    const first = await page(gw, tenant.key, {});
    expect(first.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 50));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const explicitNulls = await page(gw, tenant.key, { first: null, after: null, last: null, before: null, search: null, type: null, status: null, sortKey: null, reverse: null });
    expect(explicitNulls.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 50));
    const second = await page(gw, tenant.key, { after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node.id)).toEqual(expected.slice(50));
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  test('every sort, either way, with every filter: forward and backward walks give the documented order', async () => {
    for (const sortKey of SORTS) {
      for (const reverse of [false, true]) {
        for (const type of TYPES) {
          for (const status of STATUSES) {
            const variables = { sortKey, reverse, type, status };
            const expected = await expectedOrder(gw, tenant, sortKey, reverse, type, status);
            expect({ variables, ids: await walkForward(gw, tenant.key, 4, variables) }).toEqual({ variables, ids: expected });
            expect({ variables, ids: await walkBackward(gw, tenant.key, 5, variables) }).toEqual({ variables, ids: expected });
          }
        }
      }
    }
  });

  test('search combines with every sort; it is trimmed, and blank means no filter', async () => {
    for (const sortKey of SORTS) {
      const expected = await expectedOrder(gw, tenant, sortKey, false, 'ALL', 'ALL', 'awa');
      expect(expected.length).toBeGreaterThan(5);
      expect(await walkForward(gw, tenant.key, 3, { sortKey, search: '  AWA ' })).toEqual(expected);
      expect(await walkBackward(gw, tenant.key, 3, { sortKey, search: 'awa', type: 'ALL' })).toEqual(expected);
    }
    const all = await expectedOrder(gw, tenant, 'CREATED_AT', false, 'ALL', 'ALL');
    expect(await walkForward(gw, tenant.key, 25, { search: '   ' })).toEqual(all);
  });

  test('first and last are 1-200, not both; after goes with first and before with last', async () => {
    const refused = async (variables: CustomersConnectionQueryVariables, message: RegExp) => {
      const res = await gw.gql(CustomersConnectionDocument, variables, { key: tenant.key });
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(res.body.errors?.[0].message).toMatch(message);
    };
    await refused({ first: 0 }, /first must be between 1 and 200/);
    await refused({ first: 201 }, /first must be between 1 and 200/);
    await refused({ last: 0 }, /last must be between 1 and 200/);
    await refused({ last: 201 }, /last must be between 1 and 200/);
    await refused({ first: 5, last: 5 }, /first and last cannot be used together/);
    const { endCursor } = (await page(gw, tenant.key, { first: 2 })).pageInfo;
    await refused({ last: 5, after: endCursor }, /after goes with first/);
    await refused({ first: 5, before: endCursor }, /before goes with last/);
    await refused({ first: 5, after: endCursor, before: endCursor }, /after and before cannot be used together/);
    expect((await page(gw, tenant.key, { first: 200 })).edges).toHaveLength(61);
    expect((await page(gw, tenant.key, { last: 200 })).edges).toHaveLength(61);
    expect((await page(gw, tenant.key, { first: 1 })).edges).toHaveLength(1);
  });

  test('a cursor from another sort, other filters, another tenant or environment, or changed, is refused and reads nothing', async () => {
    const start = await page(gw, tenant.key, { first: 3, search: ' awa', type: 'ALL', status: 'ALL', sortKey: 'NAME', reverse: false });
    const cursor = start.pageInfo.endCursor as string;
    const base = { first: 3, after: cursor, search: 'awa', type: 'ALL', status: 'ALL', sortKey: 'NAME', reverse: false } as const;
    // the same query (filters compared after trimming) takes it
    expect((await page(gw, tenant.key, { ...base, search: 'awa  ' })).edges.length).toBeGreaterThan(0);

    const otherOrg = await gw.tenantWithKey();
    const liveKey = await gw.keyFor({ organizationId: tenant.organizationId, merchantId: tenant.merchantId, environment: 'live' }, 'live');
    const flipped = cursor.slice(0, 10) + (cursor[10] === 'A' ? 'B' : 'A') + cursor.slice(11);
    const cases: [string, CustomersConnectionQueryVariables, string][] = [
      ['another sort key', { ...base, sortKey: 'CREATED_AT' }, tenant.key],
      ['reverse', { ...base, reverse: true }, tenant.key],
      ['another search', { ...base, search: 'aw' }, tenant.key],
      ['no search', { ...base, search: null }, tenant.key],
      ['another type', { ...base, type: 'BUSINESS' }, tenant.key],
      ['another status', { ...base, status: 'ACTIVE' }, tenant.key],
      ['another organization', base, otherOrg.key],
      ['another environment', base, liveKey],
      ['a changed byte', { ...base, after: flipped }, tenant.key],
      ['cut short', { ...base, after: cursor.slice(0, -4) }, tenant.key],
      ['not a cursor', { ...base, after: 'bm90IGEgY3Vyc29y' }, tenant.key],
      ['as before', { ...base, first: undefined, after: undefined, last: 3, before: flipped }, tenant.key],
    ];
    gw.db.reset();
    for (const [what, variables, key] of cases) {
      const res = await gw.gql(CustomersConnectionDocument, variables, { key });
      expect({ what, data: res.body.data, error: res.body.errors?.[0] }).toMatchObject({
        what,
        data: null,
        error: { message: 'cursor does not match this query', extensions: { code: 'BAD_USER_INPUT' } },
      });
    }
    // refused before any customer was read
    expect(gw.db.names().filter((fn) => fn !== 'verify_api_key')).toEqual([]);
  });

  test('totalCount is computed only when selected', async () => {
    gw.db.reset();
    await page(gw, tenant.key, { first: 5 });
    expect(gw.db.names()).not.toContain('count_customers_with_status');
    gw.db.reset();
    const res = await gw.gql(CustomersConnectionCountDocument, { search: ' awa ', type: 'ALL' }, { key: tenant.key });
    expect(res.body.data?.customersConnection.totalCount).toBe((await expectedOrder(gw, tenant, 'NAME', false, 'ALL', 'ALL', 'awa')).length);
    expect(gw.db.names()).toContain('count_customers_with_status');
    // only the count: no page is read
    expect(gw.db.names()).not.toContain('fetch_customers_connection');
  });
});

describe('cursors across restarts and instances', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gateway-cursor-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('a gateway restarted on the same DATA_DIR takes the cursors of the one before; the secret file is private', async () => {
    const one = await startGateway({ DATA_DIR: dataDir });
    const tenant = await seed(one, 12);
    const first = await page(one, tenant.key, { first: 5, sortKey: 'NAME' });
    const next = await page(one, tenant.key, { first: 5, sortKey: 'NAME', after: first.pageInfo.endCursor });
    // the server stops; its database stays open for the next one
    await one.server.stop();
    await one.supabase?.close();
    expect(statSync(path.join(dataDir, 'cursor-secret')).mode & 0o777).toBe(0o600);

    const two = await startGateway({ DATA_DIR: dataDir }, { database: one.db.inner });
    try {
      const again = await page(two, tenant.key, { first: 5, sortKey: 'NAME', after: first.pageInfo.endCursor });
      expect(again.edges.map((e) => e.node.id)).toEqual(next.edges.map((e) => e.node.id));
    } finally {
      await two.server.stop();
      await two.supabase?.close();
    }
    const elsewhere = await startGateway({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gateway-cursor-other-')) }, { database: one.db.inner });
    try {
      const res = await elsewhere.gql(CustomersConnectionDocument, { first: 5, sortKey: 'NAME', after: first.pageInfo.endCursor }, { key: tenant.key });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'cursor does not match this query', extensions: { code: 'BAD_USER_INPUT' } });
    } finally {
      await elsewhere.server.stop();
      await elsewhere.supabase?.close();
      await one.db.inner.close();
    }
  });

  test('instances with the same CURSOR_SECRET take each other\'s cursors; another secret does not', async () => {
    const secret = 'a-shared-secret-of-at-least-32-characters!';
    const a = await startGateway({ CURSOR_SECRET: secret });
    const b = await startGateway({ CURSOR_SECRET: secret }, { database: a.db.inner });
    const c = await startGateway({ CURSOR_SECRET: 'another-secret-of-at-least-32-characters!!' }, { database: a.db.inner });
    try {
      const tenant = await seed(a, 8);
      const first = await page(a, tenant.key, { first: 3 });
      const fromA = await page(a, tenant.key, { first: 3, after: first.pageInfo.endCursor });
      const fromB = await page(b, tenant.key, { first: 3, after: first.pageInfo.endCursor });
      expect(fromB.edges.map((e) => e.node.id)).toEqual(fromA.edges.map((e) => e.node.id));
      const res = await c.gql(CustomersConnectionDocument, { first: 3, after: first.pageInfo.endCursor }, { key: tenant.key });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'cursor does not match this query', extensions: { code: 'BAD_USER_INPUT' } });
    } finally {
      await c.close();
      await b.close();
      await a.close();
    }
  });
});

describe('full precision', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  test('customers a microsecond apart, and at the very same instant, page one by one without a skip or a repeat', async () => {
    const tenant = await gw.tenantWithKey();
    await (gw.db.inner as SqlDatabase).session((s) =>
      s.query(
        // 12 customers on 4 instants a microsecond apart (a JavaScript Date cannot tell them
        // apart), three at each instant; updated_at likewise
        `insert into customers (organization_id, created_by, name, environment, created_at, updated_at)
         select $1, $2, 'Same name', 'test',
                timestamptz '2024-03-01 12:00:00.000001Z' + ((i % 4) || ' microseconds')::interval,
                timestamptz '2024-03-02 12:00:00.000001Z' + ((i % 4) || ' microseconds')::interval
         from generate_series(1, 12) i`,
        [tenant.organizationId, tenant.merchantId],
      ),
    );
    for (const sortKey of SORTS) {
      for (const reverse of [false, true]) {
        const expected = await expectedOrder(gw, tenant, sortKey, reverse, 'ALL', 'ALL');
        expect(await walkForward(gw, tenant.key, 1, { sortKey, reverse })).toEqual(expected);
        expect(await walkBackward(gw, tenant.key, 1, { sortKey, reverse })).toEqual(expected);
      }
    }
  });
});

describe('Customer.transactionsConnection', () => {
  let gw: TestGateway;
  let tenant: Tenant;
  let busy: string;
  beforeAll(async () => {
    gw = await startGateway();
    tenant = await seed(gw, 6);
    const sql = gw.db.inner as SqlDatabase;
    [{ customer_id: busy }] = await sql.session((s) =>
      s.query<{ customer_id: string }>('select customer_id from customers where organization_id = $1 order by created_at desc limit 1', [tenant.organizationId]),
    );
    // 250 settled transactions (some at the same instant), and others that are not settled
    await sql.session((s) =>
      s.query(
        `insert into transactions (organization_id, customer_id, gross_amount, currency_code, status, environment, created_at)
         select $1, $2, (i || '.10')::numeric, 'XOF', (array['completed', 'refunded', 'pending', 'failed'])[1 + i % 4], 'test',
                timestamptz '2024-05-01Z' + ((i / 3) || ' microseconds')::interval
         from generate_series(1, 500) i`,
        [tenant.organizationId, busy],
      ),
    );
  });
  afterAll(() => gw.close());

  async function expectedTransactions(customerId: string): Promise<string[]> {
    const rows = await (gw.db.inner as SqlDatabase).session((s) =>
      s.query<{ transaction_id: string }>(
        "select transaction_id from transactions where customer_id = $1 and status in ('completed', 'refunded') order by created_at desc, transaction_id desc",
        [customerId],
      ),
    );
    return rows.map((row) => row.transaction_id);
  }

  async function transactionsPage(variables: CustomerTransactionsConnectionQueryVariables): Promise<TransactionsPage> {
    const res = await gw.gql(CustomerTransactionsConnectionDocument, variables, { key: tenant.key });
    const connection = res.body.data?.customer?.transactionsConnection;
    if (!connection) throw new Error(JSON.stringify(res.body.errors));
    return connection;
  }

  test('pages through all 250 settled transactions, newest first, forward and backward; 20 by default', async () => {
    const expected = await expectedTransactions(busy);
    // 250 added here, and what the seed gave it
    expect(expected.length).toBeGreaterThanOrEqual(250);
    const first = await gw.gql(CustomerTransactionsConnectionDocument, { id: busy }, { key: tenant.key });
    const firstPage = first.body.data?.customer?.transactionsConnection;
    expect(firstPage?.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 20));
    expect(firstPage?.totalCount).toBe(expected.length);
    for (const edge of firstPage?.edges ?? []) expect(edge.node.amount.amount).toMatch(/^\d+\.\d{2}$/);

    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const connection = await transactionsPage({ id: busy, first: 100, after });
      forward.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(forward).toEqual(expected);

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const connection = await transactionsPage({ id: busy, last: 70, before });
      backward.unshift(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasPreviousPage) break;
      before = connection.pageInfo.startCursor;
    }
    expect(backward).toEqual(expected);
  });

  test('first/last 1-100; a cursor of another customer is refused', async () => {
    for (const variables of [{ first: 0 }, { first: 101 }, { last: 101 }, { first: 1, last: 1 }]) {
      const res = await gw.gql(CustomerTransactionsConnectionDocument, { id: busy, ...variables }, { key: tenant.key });
      expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const res = await gw.gql(CustomerTransactionsConnectionDocument, { id: busy, first: 2 }, { key: tenant.key });
    const cursor = res.body.data?.customer?.transactionsConnection.pageInfo.endCursor;
    const others = await (gw.db.inner as SqlDatabase).session((s) =>
      s.query<{ customer_id: string }>('select customer_id from customers where organization_id = $1 and customer_id <> $2 limit 1', [tenant.organizationId, busy]),
    );
    const foreign = await gw.gql(CustomerTransactionsConnectionDocument, { id: others[0].customer_id, first: 2, after: cursor }, { key: tenant.key });
    expect(foreign.body.errors?.[0]).toMatchObject({ message: 'cursor does not match this query', extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('a page of customers gets its transaction pages in one database call', async () => {
    gw.db.reset();
    const res = await gw.gql(PageWithTransactionsConnectionDocument, { first: 6, transactions: 100 }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    const nodes = res.body.data?.customersConnection.nodes ?? [];
    expect(nodes).toHaveLength(6);
    const busyNode = nodes.find((n) => n.id === busy);
    expect(busyNode?.transactionsConnection.nodes).toHaveLength(100);
    expect(busyNode?.transactionsConnection.pageInfo.hasNextPage).toBe(true);
    expect(busyNode?.transactionsConnection.totalCount).toBe((await expectedTransactions(busy)).length);
    for (const node of nodes) {
      expect(node.transactionsConnection.nodes.map((t) => t.id)).toEqual((await expectedTransactions(node.id)).slice(0, 100));
    }
    const names = gw.db.names();
    expect(names.filter((fn) => fn === 'fetch_transactions_connection')).toHaveLength(1);
    expect(names.filter((fn) => fn === 'fetch_customer_totals')).toHaveLength(1);
  });
});

describe('walking every page while others write', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const CREATE = 'mutation ($name: String!) { createCustomer(input: { name: $name }) { id } }';
  const UPDATE = 'mutation ($id: ID!, $name: String!) { updateCustomer(id: $id, input: { name: $name }) { id } }';
  const DELETE = 'mutation ($id: ID!) { deleteCustomer(id: $id) { id } }';

  test.each<[CustomerSortKey, boolean]>([
    ['CREATED_AT', false],
    ['UPDATED_AT', false],
    ['NAME', false],
    ['NAME', true],
    ['UPDATED_AT', true],
  ])('%s (reverse: %s): never repeats a customer that did not change, never skips one that existed unchanged', async (sortKey, reverse) => {
    const tenant = await seed(gw, 60);
    const existing = await expectedOrder(gw, tenant, sortKey, reverse, 'ALL', 'ALL');
    const touched = new Set<string>();
    const alive = [...existing];
    let n = 0;
    // picks from a fixed sequence, so that each run touches the same share of the customers
    let state = 20261130;
    const pick = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return alive[state % alive.length];
    };
    const write = async () => {
      const created = await gw.gql<{ createCustomer: { id: string } }>(CREATE, { name: `${['aa', 'mm', 'zz'][n % 3]} new ${n++}` }, { key: tenant.key });
      touched.add(created.body.data?.createCustomer.id ?? '');
      const renamed = pick();
      touched.add(renamed);
      await gw.gql(UPDATE, { id: renamed, name: `${['ab', 'nn', 'zy'][n % 3]} renamed ${n++}` }, { key: tenant.key });
      const deleted = pick();
      touched.add(deleted);
      alive.splice(alive.indexOf(deleted), 1);
      await gw.gql(DELETE, { id: deleted }, { key: tenant.key });
    };

    const walked: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const connection = await page(gw, tenant.key, { first: 4, after, sortKey, reverse });
      walked.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      await write();
    }
    const unchanged = existing.filter((id) => !touched.has(id));
    // enough customers stayed unchanged for the checks below to mean something
    expect(unchanged.length).toBeGreaterThan(10);
    const times = (id: string) => walked.filter((w) => w === id).length;
    // every customer that existed, unchanged, for the whole walk: exactly once, in order
    expect(unchanged.filter((id) => times(id) !== 1)).toEqual([]);
    expect(walked.filter((id) => unchanged.includes(id))).toEqual(unchanged);
    // no customer at all twice unless it changed during the walk
    expect(walked.filter((id, i) => walked.indexOf(id) !== i && !touched.has(id))).toEqual([]);
  });
});

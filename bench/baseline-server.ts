/**
 * The baseline: the least a server can do to answer the benchmark's scenarios. node:http and a
 * pg Pool, no framework, no GraphQL, no authentication (the tenant comes in the body): it calls
 * the same SQL functions the gateway calls, with the same arguments, and returns their rows as
 * JSON. The gateway's throughput divided by this one's is how far the gateway is from the
 * limit of Node and PostgreSQL on this machine.
 *
 * `node dist/bench/baseline-server.js` with DATABASE_URL, PORT and BASELINE_POOL_SIZE; prints
 * `listening <port>` when ready.
 */
import { benchPool, serveJsonRoutes } from './json-route-server';
import type { Routes } from './json-route-server';

interface Tenant {
  org: string;
  env: 'live' | 'test';
}

interface ListBody extends Tenant {
  merchant: string;
  search?: string | null;
  status?: 'all' | 'active' | 'inactive';
  offset: number;
  limit: number;
  /** Also count the matching rows (count_customers_with_status), as `pagination { totalCount }`. */
  total?: boolean;
  /** Also fetch this many transactions per customer, in one call for the page. */
  transactions?: number;
}

interface ConnectionBody extends Tenant {
  limit: number;
  afterValue: string;
  afterId: string;
}

interface CustomerBody extends Tenant {
  id: string;
}

interface CreateBody extends Tenant {
  merchant: string;
  name: string;
  email?: string | null;
  city?: string | null;
}

interface UpdateBody extends Tenant {
  id: string;
  patch: Record<string, unknown>;
}

const { pool, rows } = benchPool('bench-baseline');

const LIST_SQL =
  'select * from fetch_customers_with_status(p_merchant_id => $1, p_organization_id => $2, p_environment => $3,' +
  ' p_search_term => $4, p_customer_type => $5, p_activity_status => $6, p_offset => $7, p_limit => $8, p_include_total => false)';
const COUNT_SQL =
  'select * from count_customers_with_status(p_organization_id => $1, p_environment => $2, p_search_term => $3,' +
  ' p_customer_type => $4, p_activity_status => $5)';
const TRANSACTIONS_SQL =
  'select * from fetch_transactions_for_customers(p_customer_ids => $1, p_organization_id => $2, p_environment => $3,' +
  ' p_limit_per_customer => $4)';
const CONNECTION_SQL =
  "select * from fetch_customers_connection(p_organization_id => $1, p_environment => $2, p_search_term => null, p_customer_type => 'all'," +
  " p_activity_status => 'all', p_sort_key => 'created_at', p_ascending => false, p_limit => $3, p_after_value => $4, p_after_id => $5)";
const CUSTOMER_SQL = 'select * from get_customers_by_ids(p_customer_ids => $1, p_organization_id => $2, p_environment => $3)';
const CREATE_SQL =
  'select * from create_customer(p_merchant_id => $1, p_organization_id => $2, p_environment => $3, p_name => $4,' +
  ' p_email => $5, p_city => $6)';
const UPDATE_SQL = 'select * from update_customer(p_customer_id => $1, p_organization_id => $2, p_environment => $3, p_patch => $4)';

async function list(body: ListBody): Promise<unknown> {
  const status = body.status ?? 'all';
  const search = body.search ?? null;
  // The gateway resolves the page and the total concurrently; so does the baseline.
  const [customers, total] = await Promise.all([
    rows(LIST_SQL, [body.merchant, body.org, body.env, search, 'all', status, body.offset, body.limit]),
    body.total ? rows(COUNT_SQL, [body.org, body.env, search, 'all', status]) : Promise.resolve(undefined),
  ]);
  let transactions: unknown[] | undefined;
  if (body.transactions && customers.length > 0) {
    const ids = customers.map((row) => (row as { customer_id: string }).customer_id);
    transactions = await rows(TRANSACTIONS_SQL, [ids, body.org, body.env, body.transactions]);
  }
  return { customers, total, transactions };
}

const routes: Routes = {
  '/list': list,
  '/connection': (body: ConnectionBody) => rows(CONNECTION_SQL, [body.org, body.env, body.limit, body.afterValue, body.afterId]),
  '/customer': (body: CustomerBody) => rows(CUSTOMER_SQL, [[body.id], body.org, body.env]),
  '/create': (body: CreateBody) => rows(CREATE_SQL, [body.merchant, body.org, body.env, body.name, body.email ?? null, body.city ?? null]),
  '/update': (body: UpdateBody) => rows(UPDATE_SQL, [body.id, body.org, body.env, JSON.stringify(body.patch)]),
};

serveJsonRoutes(routes, pool);

/**
 * The direct-SQL server: node:http and a pg Pool sending hand-written SQL (plain-sql.ts), no SQL
 * function, no framework, no GraphQL, no authentication (the tenant comes in the body). Same
 * routes and request bodies as the baseline (baseline-server.ts), so the same scenario requests
 * drive both. Its throughput is what Node and PostgreSQL allow on this machine for the same
 * rows; the gateway's divided by it is the gateway's own cost.
 *
 * `node dist/bench/direct-server.js` with DATABASE_URL, PORT and BASELINE_POOL_SIZE.
 */
import { benchPool, serveJsonRoutes } from './json-route-server';
import type { Routes } from './json-route-server';
import { CONNECTION_SQL, countSql, CREATE_SQL, CUSTOMERS_BY_IDS_SQL, listSql, TRANSACTIONS_SQL, updateSql } from './plain-sql';

interface Tenant {
  org: string;
  env: 'live' | 'test';
}

interface ListBody extends Tenant {
  search?: string | null;
  status?: 'all' | 'active' | 'inactive';
  offset: number;
  limit: number;
  total?: boolean;
  transactions?: number;
}

const { pool, rows } = benchPool('bench-direct');

async function list(body: ListBody): Promise<unknown> {
  const filter = { search: body.search ?? null, status: body.status ?? 'all' };
  const page = listSql(filter, body.org, body.env, body.offset, body.limit);
  const count = countSql(filter, body.org, body.env);
  const [customers, total] = await Promise.all([
    rows(page.text, page.values),
    body.total ? rows(count.text, count.values) : Promise.resolve(undefined),
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
  '/connection': (body: Tenant & { limit: number; afterValue: string; afterId: string }) =>
    rows(CONNECTION_SQL, [body.org, body.env, body.afterValue, body.afterId, body.limit]),
  '/customer': (body: Tenant & { id: string }) => rows(CUSTOMERS_BY_IDS_SQL, [[body.id], body.org, body.env]),
  '/create': (body: Tenant & { merchant: string; name: string; email?: string | null; city?: string | null }) =>
    rows(CREATE_SQL, [body.merchant, body.org, body.env, body.name, body.email ?? null, body.city ?? null]),
  '/update': (body: Tenant & { id: string; patch: Record<string, unknown> }) => {
    const update = updateSql(body.patch);
    return rows(update.text, [body.id, body.org, body.env, ...update.values]);
  },
};

serveJsonRoutes(routes, pool);

/**
 * Hand-written SQL for what the gateway's SQL functions do: the statements a developer would
 * send with no function in between. The direct-SQL server (direct-server.ts) answers the
 * scenarios with them, and the database-side scenario (db-calls.ts) times each function against
 * its statement here. Same rows, same order, same tenant filter as the functions.
 */

export const CUSTOMER_COLUMNS =
  'c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number, c.country, c.city,' +
  ' c.address, c.postal_code, c.is_business, c.metadata, c.environment, c.created_at, c.updated_at, c.version';

export interface ListFilter {
  search?: string | null;
  status?: 'all' | 'active' | 'inactive';
}

/** `%term%` with %, _ and \ taken literally, as contains_pattern() does. */
export function containsPattern(term: string): string {
  return `%${term.trim().replace(/\\/g, '\\\\').replace(/%/g, '\\%').replace(/_/g, '\\_')}%`;
}

const SETTLED =
  'select 1 from transactions t where t.customer_id = c.customer_id and t.organization_id = c.organization_id' +
  " and t.environment = c.environment and t.status in ('completed', 'refunded')";

/** The WHERE clause and its values after $1 organization, $2 environment. */
function where(filter: ListFilter): { clause: string; values: unknown[] } {
  let clause = 'c.organization_id = $1 and c.environment = $2 and not c.is_deleted';
  const values: unknown[] = [];
  if (filter.search && filter.search.trim() !== '') {
    values.push(containsPattern(filter.search));
    clause += ` and (c.name ilike $${values.length + 2} or c.email ilike $${values.length + 2})`;
  }
  if (filter.status === 'active') clause += ` and exists (${SETTLED})`;
  else if (filter.status === 'inactive') clause += ` and not exists (${SETTLED})`;
  return { clause, values };
}

/** A page of customers, newest first: values are [organization, environment, ...filter, offset, limit]. */
export function listSql(filter: ListFilter, org: string, env: string, offset: number, limit: number): { text: string; values: unknown[] } {
  const { clause, values } = where(filter);
  const n = values.length + 2;
  return {
    text: `select ${CUSTOMER_COLUMNS} from customers c where ${clause} order by c.created_at desc, c.customer_id desc offset $${n + 1} limit $${n + 2}`,
    values: [org, env, ...values, offset, limit],
  };
}

/** A keyset page, newest first, after ($3 created_at as text, $4 id): values are [organization, environment, after, id, limit]. */
export const CONNECTION_SQL =
  `select ${CUSTOMER_COLUMNS} from customers c where c.organization_id = $1 and c.environment = $2 and not c.is_deleted` +
  ' and (c.created_at, c.customer_id) < ($3::timestamptz, $4) order by c.created_at desc, c.customer_id desc limit $5';

/**
 * The total: without a search or a status, the sum of the tenant's counters that the database
 * keeps (schema/sql/015), as count_customers_with_status reads it; otherwise the rows counted.
 */
export function countSql(filter: ListFilter, org: string, env: string): { text: string; values: unknown[] } {
  if (!(filter.search && filter.search.trim() !== '') && (filter.status ?? 'all') === 'all') {
    return {
      text: 'select coalesce(sum(cc.live_customers), 0)::bigint as total_count from customer_counts cc where cc.organization_id = $1 and cc.environment = $2',
      values: [org, env],
    };
  }
  const { clause, values } = where(filter);
  return { text: `select count(*) as total_count from customers c where ${clause}`, values: [org, env, ...values] };
}

/** $1 customer ids, $2 organization, $3 environment, $4 per-customer limit (NULL: all). */
export const TRANSACTIONS_SQL =
  'select t.transaction_id, t.customer_id, t.description, t.gross_amount::text as gross_amount, t.currency_code, t.status, t.created_at' +
  ' from customers c cross join lateral (select t.* from transactions t where t.customer_id = c.customer_id' +
  ' and t.organization_id = c.organization_id and t.environment = c.environment' +
  " and t.status in ('completed', 'refunded') order by t.created_at desc, t.transaction_id desc limit $4) t" +
  ' where c.customer_id = any ($1) and c.organization_id = $2 and c.environment = $3 and not c.is_deleted' +
  ' order by t.customer_id, t.created_at desc, t.transaction_id desc';

/** $1 customer ids, $2 organization, $3 environment. */
export const CUSTOMERS_BY_IDS_SQL =
  `select ${CUSTOMER_COLUMNS} from customers c where c.customer_id = any ($1) and c.organization_id = $2 and c.environment = $3 and not c.is_deleted`;

/** $1 merchant (the creator), $2 organization, $3 environment, $4 name, $5 email, $6 city. */
export const CREATE_SQL =
  'insert into customers as c (created_by, organization_id, environment, name, email, city) values ($1, $2, $3, $4, $5, $6)' +
  ` returning ${CUSTOMER_COLUMNS}`;

/** Columns a patch may set, by the names the scenarios use. */
const PATCHABLE = new Set(['name', 'email', 'city']);

/** $1 customer, $2 organization, $3 environment, then the patch's values in the order of its keys. */
export function updateSql(patch: Record<string, unknown>): { text: string; values: unknown[] } {
  const columns = Object.keys(patch).filter((column) => PATCHABLE.has(column));
  if (columns.length === 0) throw new Error('empty patch');
  const sets = columns.map((column, i) => `${column} = $${i + 4}`).join(', ');
  return {
    text:
      `update customers as c set ${sets} where c.customer_id = $1 and c.organization_id = $2` +
      ` and c.environment = $3 and not c.is_deleted returning ${CUSTOMER_COLUMNS}`,
    values: columns.map((column) => patch[column]),
  };
}

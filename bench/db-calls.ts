/**
 * The database-side scenario: each SQL function the gateway calls against the plain SQL that
 * returns the same rows (plain-sql.ts), per call. A few pg clients call in a loop for a fixed
 * time, the function and the plain statement taking turns round after round; the result is
 * calls per second for each and the function's cost per call relative to the plain SQL
 * (target: within 1.3x). Both are sent as the gateway sends them (extended protocol, unnamed
 * statement), so neither gets a cached plan the other lacks.
 */
import pg from 'pg';
import { countSql, CUSTOMERS_BY_IDS_SQL, listSql, TRANSACTIONS_SQL } from './plain-sql';
import { SEARCH_TERM } from './scenarios';
import type { BenchOrg } from './seed';

interface Call {
  text: string;
  values: unknown[];
}

export interface DbCallPair {
  name: string;
  description: string;
  fn: Call;
  plain: Call;
}

export interface DbCallRun {
  name: string;
  description: string;
  clients: number;
  /** Calls per second of each round. */
  fnRounds: number[];
  plainRounds: number[];
  fnMedian: number;
  plainMedian: number;
  /** Function cost per call / plain SQL cost per call (plain calls/s / function calls/s). */
  costRatio: number;
  /** Whether both returned the same rows (compared once before timing). */
  sameRows: boolean;
}

const LIST_FN =
  'select * from fetch_customers_with_status(p_merchant_id => $1, p_organization_id => $2, p_environment => $3,' +
  ' p_search_term => $4, p_customer_type => $5, p_activity_status => $6, p_offset => $7, p_limit => $8, p_include_total => false)';

export function dbCallPairs(big: BenchOrg, pageIds: string[], oneId: string): DbCallPair[] {
  const env = 'test';
  const org = big.organizationId;
  const list = (search: string | null, status: 'all' | 'active', offset: number): DbCallPair['fn'] => ({
    text: LIST_FN,
    values: [big.merchantId, org, env, search, 'all', status, offset, 50],
  });
  return [
    {
      name: 'list-page',
      description: 'fetch_customers_with_status, first page of 50, no filter, no total (100k organization)',
      fn: list(null, 'all', 0),
      plain: listSql({}, org, env, 0, 50),
    },
    {
      name: 'list-search',
      description: `fetch_customers_with_status, search "${SEARCH_TERM}", first page of 50`,
      fn: list(SEARCH_TERM, 'all', 0),
      plain: listSql({ search: SEARCH_TERM }, org, env, 0, 50),
    },
    {
      name: 'list-active',
      description: 'fetch_customers_with_status, status active, first page of 50',
      fn: list(null, 'active', 0),
      plain: listSql({ status: 'active' }, org, env, 0, 50),
    },
    {
      name: 'transactions-50',
      description: 'fetch_transactions_for_customers, 50 customer ids, 5 each',
      fn: {
        text:
          'select * from fetch_transactions_for_customers(p_customer_ids => $1, p_organization_id => $2, p_environment => $3, p_limit_per_customer => $4)',
        values: [pageIds, org, env, 5],
      },
      plain: { text: TRANSACTIONS_SQL, values: [pageIds, org, env, 5] },
    },
    {
      name: 'customers-by-ids',
      description: 'get_customers_by_ids, one id (what `customer(id)` sends)',
      fn: { text: 'select * from get_customers_by_ids(p_customer_ids => $1, p_organization_id => $2, p_environment => $3)', values: [[oneId], org, env] },
      plain: { text: CUSTOMERS_BY_IDS_SQL, values: [[oneId], org, env] },
    },
    {
      name: 'count',
      description: 'count_customers_with_status, no filter (100k organization)',
      fn: {
        text:
          'select * from count_customers_with_status(p_organization_id => $1, p_environment => $2, p_search_term => $3, p_customer_type => $4, p_activity_status => $5)',
        values: [org, env, null, 'all', 'all'],
      },
      plain: countSql({}, org, env),
    },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rows as comparable text: the function's extra columns (total_count) left out, dates as ISO. */
function canonical(rows: Record<string, unknown>[], columns: string[]): string {
  return JSON.stringify(rows.map((row) => columns.map((column) => row[column])));
}

async function loop(clients: pg.Client[], call: Call, seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  const counts = await Promise.all(
    clients.map(async (client) => {
      let n = 0;
      while (Date.now() < deadline) {
        await client.query(call.text, call.values);
        n += 1;
      }
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0) / seconds;
}

export async function runDbCalls(
  url: string,
  pairs: DbCallPair[],
  options: { clients: number; seconds: number; rounds: number; log: (line: string) => void },
): Promise<DbCallRun[]> {
  const clients = Array.from({ length: options.clients }, () => new pg.Client({ connectionString: url, application_name: 'bench-db-calls' }));
  await Promise.all(clients.map((client) => client.connect()));
  const runs: DbCallRun[] = [];
  try {
    for (const pair of pairs) {
      const [fnRows, plainRows] = [await clients[0].query(pair.fn.text, pair.fn.values), await clients[0].query(pair.plain.text, pair.plain.values)];
      const columns = plainRows.fields.map((field) => field.name);
      const sameRows = canonical(fnRows.rows as Record<string, unknown>[], columns) === canonical(plainRows.rows as Record<string, unknown>[], columns);
      // Warm-up on every connection: PL/pgSQL prepares a function's statements on its first
      // calls in a session and settles on a plan after five.
      for (let i = 0; i < 10; i += 1) {
        await Promise.all(clients.map((client) => client.query(pair.fn.text, pair.fn.values)));
        await Promise.all(clients.map((client) => client.query(pair.plain.text, pair.plain.values)));
      }
      const fnRounds: number[] = [];
      const plainRounds: number[] = [];
      for (let round = 0; round < options.rounds; round += 1) {
        // Take turns, starting with the other one every round.
        if (round % 2 === 0) {
          fnRounds.push(await loop(clients, pair.fn, options.seconds));
          plainRounds.push(await loop(clients, pair.plain, options.seconds));
        } else {
          plainRounds.push(await loop(clients, pair.plain, options.seconds));
          fnRounds.push(await loop(clients, pair.fn, options.seconds));
        }
      }
      const fnMedian = median(fnRounds);
      const plainMedian = median(plainRounds);
      const run: DbCallRun = {
        name: pair.name,
        description: pair.description,
        clients: options.clients,
        fnRounds,
        plainRounds,
        fnMedian,
        plainMedian,
        costRatio: fnMedian > 0 ? plainMedian / fnMedian : 0,
        sameRows,
      };
      options.log(
        `db ${pair.name}: function ${fnMedian.toFixed(0)} calls/s, plain ${plainMedian.toFixed(0)} calls/s, ` +
          `function costs ${run.costRatio.toFixed(2)}x${sameRows ? '' : ' (ROWS DIFFER)'}`,
      );
      runs.push(run);
    }
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
  return runs;
}

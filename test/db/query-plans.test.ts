import { migrate } from '../../src/db/migrate';
import type { SqlDatabase, SqlSession } from '../../src/db/sql-database';
import { postgresDatabase } from '../../src/db/pg-database';
import { withScratchPostgresDatabase } from '../helpers/scratch-database';
import { createOrganization, type TestTenant } from '../helpers/tenants';
import { RUN_DB_URL_VAR, usingPostgres } from '../helpers/test-env';

/**
 * On 100,000 customers of one organization among others, the list, a search and the activity
 * filter must be answered from indexes bounded by the organization and environment. The
 * functions build their statement at run time (customer_filter_sql); the test builds the same
 * text from the same SQL function and explains it with the same parameters, so the plans are
 * the ones the functions get. Assertions bear on index names and index conditions only.
 */
interface PlanNode {
  'Node Type': string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const COLUMNS = 'c.customer_id, c.organization_id, c.name, c.email, c.phone_number, c.whatsapp_number, c.country, c.city,'
  + ' c.address, c.postal_code, c.is_business, c.metadata, c.environment, c.created_at, c.updated_at';

let db: SqlDatabase;
let big: TestTenant;

(usingPostgres() ? describe : describe.skip)('query plans on 100,000 customers (PostgreSQL)', () => {
  beforeAll(async () => {
    // loading 100,000 customers outlasts the usual per-statement timeout on a busy machine
    db = postgresDatabase({ connectionString: String(process.env[RUN_DB_URL_VAR]), statementTimeoutMs: 180_000, poolSize: 1 });
    big = { ...(await createOrganization(db, 'Big merchant')), environment: 'live' };
    const seed = (t: TestTenant, customers: number) => db.rpc('seed_demo_customers', {
      p_organization_id: t.organizationId, p_environment: t.environment, p_customers: customers, p_transactions_per_customer: 3,
    });
    await seed(big, 100_000);
    await seed({ ...big, environment: 'test' }, 3_000);
    for (const name of ['Other one', 'Other two']) {
      const other = await createOrganization(db, name);
      await seed({ ...other, environment: 'live' }, 4_000);
      await seed({ ...other, environment: 'test' }, 1_000);
    }
    await db.session((s) => s.exec('analyze customers; analyze transactions'));
  }, 240_000);
  afterAll(async () => {
    await db?.close();
  });

  /** The plan of the statement fetch_customers_with_status builds for these filters. */
  async function listPlan(search: string | null, activity: string, includeTotal = true): Promise<PlanNode[]> {
    return db.session(async (s) => {
      const [{ clause, pattern }] = await s.query<{ clause: string; pattern: string }>(
        "select customer_filter_sql($1, 'all', $2) as clause, contains_pattern($1) as pattern", [search, activity]);
      const text = `select ${COLUMNS}, ${includeTotal ? 'count(*) over ()' : 'null::bigint'} from customers c where ${clause}`
        + ' order by c.created_at desc, c.customer_id desc offset $4 limit $5';
      return explain(s, text, '(uuid, text, text, integer, integer)', [big.organizationId, big.environment, pattern, 0, 50]);
    });
  }

  /** The plan of the statement count_customers_with_status builds. */
  async function countPlan(search: string | null, activity: string): Promise<PlanNode[]> {
    return db.session(async (s) => {
      const [{ clause, pattern }] = await s.query<{ clause: string; pattern: string }>(
        "select customer_filter_sql($1, 'all', $2) as clause, contains_pattern($1) as pattern", [search, activity]);
      return explain(s, `select count(*) from customers c where ${clause}`, '(uuid, text, text)', [big.organizationId, big.environment, pattern]);
    });
  }

  /**
   * Prepared with typed parameters and explained with their values, as PL/pgSQL's EXECUTE
   * ... USING plans it: a custom plan for the actual organization and search pattern.
   */
  async function explain(s: SqlSession, text: string, types: string, values: unknown[]): Promise<PlanNode[]> {
    await s.query(`prepare plan_probe ${types} as ${text}`);
    try {
      // EXPLAIN EXECUTE takes no bind parameters: the test's own values go in as literals
      const literals = values.map((v) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`)).join(', ');
      const [row] = await s.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) execute plan_probe(${literals})`);
      return nodes(row['QUERY PLAN'][0].Plan);
    } finally {
      await s.query('deallocate plan_probe');
    }
  }

  function indexScans(plan: PlanNode[], indexName: string): PlanNode[] {
    return plan.filter((node) => node['Index Name'] === indexName);
  }

  function expectTenantBound(node: PlanNode): void {
    expect(node['Index Cond']).toContain(`organization_id = '${big.organizationId}'::uuid`);
    expect(node['Index Cond']).toContain("environment = 'live'::text");
  }

  /** No table is read whole: other tenants' rows are never visited. */
  function expectNoSequentialScan(plan: PlanNode[]): void {
    expect(plan.filter((node) => node['Node Type'].includes('Seq Scan'))).toEqual([]);
  }

  test('the list walks the tenant index, newest first', async () => {
    for (const includeTotal of [true, false]) {
      const plan = await listPlan(null, 'all', includeTotal);
      const [scan] = indexScans(plan, 'customers_tenant_recent_idx');
      expect(scan).toBeDefined();
      expectTenantBound(scan);
      expect(plan.some((node) => node['Node Type'] === 'Sort')).toBe(false);
      expectNoSequentialScan(plan);
    }
  });

  test('a search of 3+ characters uses the trigram index inside the tenant', async () => {
    // selective terms (a name and a number, as emails are first.last<n>@...): the planner's
    // choice for a term matching a large share of the tenant is the next test
    for (const term of ['diop1234', 'kane777']) {
      for (const plan of [await listPlan(term, 'all'), await listPlan(term, 'all', false), await countPlan(term, 'all')]) {
        const scans = indexScans(plan, 'customers_tenant_search_idx');
        // one probe for the name, one for the email, each bounded by the tenant
        expect({ term, used: scans.length > 0, plan: scans.length > 0 ? [] : plan.map((n) => [n['Node Type'], n['Index Name'], n['Index Cond']]) })
          .toEqual({ term, used: true, plan: [] });
        for (const scan of scans) {
          expectTenantBound(scan);
          expect(scan['Index Cond']).toMatch(/(name|email) ~~\* '%.+%'::text/);
        }
        expectNoSequentialScan(plan);
      }
    }
  });

  test('a search matching many customers still reads the tenant only', async () => {
    // A common first.last pair matches about 1% of the tenant: with a total to compute, the
    // planner may rightly walk the recent index and filter instead of probing the trigrams.
    for (const term of ['aminata', 'fatou.sow']) {
      const plan = await listPlan(term, 'all');
      const bounded = plan.filter((node) => node['Index Name']?.startsWith('customers_tenant_'));
      expect(bounded.length).toBeGreaterThanOrEqual(1);
      for (const scan of bounded) expectTenantBound(scan);
      expectNoSequentialScan(plan);
    }
  });

  test('the activity filter probes the settled-transactions index per customer, bounded by the tenant', async () => {
    for (const activity of ['active', 'inactive']) {
      for (const plan of [await listPlan(null, activity), await listPlan(null, activity, false)]) {
        const [customers] = indexScans(plan, 'customers_tenant_recent_idx');
        expectTenantBound(customers);
        const [probe] = indexScans(plan, 'transactions_customer_settled_idx');
        expect(probe).toBeDefined();
        expect(probe['Index Cond']).toContain('customer_id = c.customer_id');
        expectTenantBound(probe);
        expectNoSequentialScan(plan);
      }
    }
  });

  test("a customer's transactions come from the settled index, already in order", async () => {
    const plan = await db.session(async (s) => {
      const [{ customer_id: customerId }] = await s.query<{ customer_id: string }>(
        'select customer_id from customers where organization_id = $1 and environment = $2 limit 1', [big.organizationId, 'live']);
      return explain(s,
        'select t.transaction_id, t.customer_id, t.description, t.gross_amount, t.currency_code, t.status, t.created_at'
        + ' from customers c join transactions t on t.customer_id = c.customer_id and t.organization_id = c.organization_id'
        + ' and t.environment = c.environment where c.customer_id = $1 and c.organization_id = $2 and c.environment = $3'
        + " and not c.is_deleted and t.status in ('completed', 'refunded') order by t.created_at desc, t.transaction_id desc",
        '(uuid, uuid, text)', [customerId, big.organizationId, 'live']);
    });
    const [probe] = indexScans(plan, 'transactions_customer_settled_idx');
    expectTenantBound(probe);
    expect(plan.some((node) => node['Node Type'] === 'Sort')).toBe(false);
    expectNoSequentialScan(plan);
  });

  /**
   * The keyset page fetch_customers_connection builds (its `page` part: the index walk; the
   * rows are then read by id), from the same SQL fragments (customer_sort_sql,
   * customer_filter_sql), prepared with typed parameters as EXECUTE ... USING plans it.
   */
  async function connectionPlan(sortKey: string, ascending: boolean, after: [string, string] | null, analyze = false): Promise<PlanNode[]> {
    return db.session(async (s) => {
      const [parts] = await s.query<{ clause: string; key_sql: string; key_type: string }>(
        "select customer_filter_sql(null, 'all', 'all') as clause, (customer_sort_sql($1)).key_sql, (customer_sort_sql($1)).key_type",
        [sortKey],
      );
      const dir = ascending ? 'asc' : 'desc';
      const afterClause = after ? ` and (${parts.key_sql}, c.customer_id) ${ascending ? '>' : '<'} ($4::${parts.key_type}, $5)` : '';
      const text = `select c.customer_id, ${parts.key_sql} as sort_key from customers c where ${parts.clause}${afterClause}`
        + ` order by ${parts.key_sql} ${dir}, c.customer_id ${dir} limit $6`;
      await s.query(`prepare connection_probe (uuid, text, text, text, uuid, integer) as ${text}`);
      try {
        const literal = (v: string | null) => (v === null ? 'null' : `'${v.replace(/'/g, "''")}'`);
        const values = [big.organizationId, big.environment, null, after?.[0] ?? null, after?.[1] ?? null].map(literal).join(', ');
        const [row] = await s.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `explain (${analyze ? 'analyze, buffers, ' : ''}format json) execute connection_probe(${values}, 51)`,
        );
        return nodes(row['QUERY PLAN'][0].Plan);
      } finally {
        await s.query('deallocate connection_probe');
      }
    });
  }

  /** The sort value and id of the row `depth` rows into the tenant's list in this order. */
  async function positionAt(sortKey: string, ascending: boolean, depth: number): Promise<[string, string]> {
    const key = sortKey === 'name' ? 'lower(name)' : sortKey;
    const text = sortKey === 'name' ? key : `to_char(${key} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    const dir = ascending ? 'asc' : 'desc';
    const [row] = await db.session((s) =>
      s.query<{ value: string; id: string }>(
        `select ${text} as value, customer_id as id from customers where organization_id = $1 and environment = $2 and not is_deleted
         order by ${key} ${dir}, customer_id ${dir} offset $3 limit 1`,
        [big.organizationId, big.environment, depth],
      ),
    );
    return [row.value, row.id];
  }

  const SORT_INDEXES: Record<string, string> = {
    created_at: 'customers_tenant_recent_idx',
    updated_at: 'customers_tenant_updated_idx',
    name: 'customers_tenant_name_idx',
  };

  test('a connection page walks its sort key\'s index from the cursor, bounded by the tenant, in either direction', async () => {
    for (const [sortKey, index] of Object.entries(SORT_INDEXES)) {
      for (const ascending of [false, true]) {
        for (const after of [null, await positionAt(sortKey, ascending, 90_000)]) {
          const plan = await connectionPlan(sortKey, ascending, after);
          const [scan] = indexScans(plan, index);
          expect({ sortKey, ascending, after, used: scan !== undefined }).toEqual({ sortKey, ascending, after, used: true });
          expectTenantBound(scan);
          // the cursor is an index condition (where the walk starts), not a filter on rows read
          if (after) expect(scan['Index Cond']).toMatch(/ROW\(.*customer_id\) [<>] ROW\(/);
          expect(plan.some((node) => node['Node Type'] === 'Sort')).toBe(false);
          expectNoSequentialScan(plan);
        }
      }
    }
  });

  test('a page 90,000 customers deep reads about as many buffers as the first page (an offset that deep reads thousands)', async () => {
    const buffers = (plan: PlanNode[]) => (plan[0]['Shared Hit Blocks'] ?? 0) + (plan[0]['Shared Read Blocks'] ?? 0);
    for (const sortKey of Object.keys(SORT_INDEXES)) {
      const first = buffers(await connectionPlan(sortKey, sortKey === 'name', null, true));
      const deep = buffers(await connectionPlan(sortKey, sortKey === 'name', await positionAt(sortKey, sortKey === 'name', 90_000), true));
      expect({ sortKey, first, deep, cheap: deep <= first * 2 + 10 }).toEqual({ sortKey, first, deep, cheap: true });
    }
    const offsetPlan = await db.session(async (s) => {
      const [{ clause }] = await s.query<{ clause: string }>("select customer_filter_sql(null, 'all', 'all') as clause");
      await s.query(`prepare offset_probe (uuid, text, text) as select c.customer_id from customers c where ${clause} order by c.created_at desc, c.customer_id desc offset 90000 limit 51`);
      try {
        const [row] = await s.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `explain (analyze, buffers, format json) execute offset_probe('${big.organizationId}', '${big.environment}', null)`,
        );
        return nodes(row['QUERY PLAN'][0].Plan);
      } finally {
        await s.query('deallocate offset_probe');
      }
    });
    const firstCreated = buffers(await connectionPlan('created_at', false, null, true));
    expect(buffers(offsetPlan)).toBeGreaterThan(firstCreated * 20);
  });
});

/**
 * The unfiltered total (and the total of one type) comes from the tenant's counters
 * (schema/sql/015), never from its rows: on a database of its own holding a tenant of
 * 1,000,000 customers and one of 10,000, the count function touches neither the customers
 * table nor its indexes, and reads about as many buffers for either tenant (buffer counts are
 * deterministic, unlike timings). Counting the big tenant's rows reads thousands.
 */
(usingPostgres() ? describe : describe.skip)('the total of a 1,000,000-customer tenant (PostgreSQL)', () => {
  test('reads the counters only, about as many buffers as for 10,000 customers', async () => {
    await withScratchPostgresDatabase(async (url) => {
      const db = postgresDatabase({ connectionString: url, statementTimeoutMs: 600_000, poolSize: 4 });
      try {
        await migrate(db);
        const big = { ...(await createOrganization(db, 'Million')), environment: 'live' as const };
        const small = { ...(await createOrganization(db, 'Ten thousand')), environment: 'live' as const };
        // set-based, one statement per tenant (the counters add each statement's rows once)
        const load = (t: TestTenant, n: number) => db.session((s) => s.query(
          `insert into customers (organization_id, created_by, name, environment, is_business, created_at, updated_at)
           select $1, $2, 'C' || g, 'live', g % 5 = 0, t, t
           from generate_series(1, $3::int) g, lateral (select now() - g * interval '1 second' as t) at`,
          [t.organizationId, t.merchantId, n]));
        await load(big, 1_000_000);
        await load(small, 10_000);
        // then creates, deletes and restores in transactions of their own, as the gateway makes
        // them: each tenant's changes spread over many counter rows (shards)
        for (const t of [big, small]) {
          await Promise.all(Array.from({ length: 4 }, async () => {
            for (let i = 0; i < 40; i++) {
              const [c] = await db.rpc<{ customer_id: string }>('create_customer', {
                p_merchant_id: t.merchantId, p_organization_id: t.organizationId, p_environment: 'live', p_name: 'Later', p_is_business: i % 2 === 0,
              });
              if (i % 4 === 0) await db.rpc('delete_customer', { p_organization_id: t.organizationId, p_environment: 'live', p_customer_id: c.customer_id });
            }
          }));
        }
        for (const table of ['customers', 'customer_counts']) await db.session((s) => s.exec(`vacuum analyze ${table}`));

        await db.session(async (s) => {
          const call = (t: TestTenant, type: string, search: string | null = null) =>
            `select * from count_customers_with_status('${t.organizationId}', 'live', ${search === null ? 'null' : `'${search}'`}, '${type}', 'all')`;
          const exact = async (t: TestTenant, where = 'true') => Number((await s.query<{ n: string }>(
            `select count(*) as n from customers where organization_id = $1 and environment = 'live' and not is_deleted and ${where}`, [t.organizationId]))[0].n);
          /** Buffers the call reads, its nested statements included (the second run: no compilation, warm caches). */
          const buffers = async (text: string) => {
            await s.query(text);
            const [row] = await s.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (analyze, buffers, format json) ${text}`);
            const plan = row['QUERY PLAN'][0].Plan;
            return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
          };
          /** Scans of customers (its table or any of its indexes) the statement makes, counted by the server. */
          const customerScans = async (text: string) => {
            let scans = 0;
            await s.transaction(async (tx) => {
              const read = async () => Number((await tx.query<{ n: string }>(
                "select seq_scan + coalesce(idx_scan, 0) as n from pg_stat_xact_user_tables where relname = 'customers'"))[0].n);
              const before = await read();
              await tx.query(text);
              scans = (await read()) - before;
            });
            return scans;
          };

          // the totals are exact
          for (const t of [big, small]) {
            expect(Number((await s.query<{ total_count: string }>(call(t, 'all')))[0].total_count)).toBe(await exact(t));
            expect(Number((await s.query<{ total_count: string }>(call(t, 'business')))[0].total_count)).toBe(await exact(t, 'is_business'));
          }
          expect(await exact(big)).toBeGreaterThan(1_000_000);

          for (const type of ['all', 'business', 'individual']) {
            expect({ type, scans: await customerScans(call(big, type)) }).toEqual({ type, scans: 0 });
          }
          // the check sees scans when there are some: a search counts rows
          expect(await customerScans(call(big, 'all', 'c12345'))).toBeGreaterThan(0);

          const bigBuffers = await buffers(call(big, 'all'));
          const smallBuffers = await buffers(call(small, 'all'));
          // The same for 1,000,000 customers as for 10,000. How many it is depends on where the
          // counter rows' versions lie in their table (5 to about 80 seen), not on the customers.
          expect({ bigBuffers, smallBuffers, alike: bigBuffers <= smallBuffers + 5 }).toEqual({ bigBuffers, smallBuffers, alike: true });
          const rowsBuffers = await buffers(`select count(*) from customers c where c.organization_id = '${big.organizationId}' and c.environment = 'live' and not c.is_deleted`);
          expect(rowsBuffers).toBeGreaterThan(bigBuffers * 20);
        });
      } finally {
        await db.close();
      }
    });
  }, 600_000);
});

import type { SqlDatabase, SqlSession } from '../../src/db/sql-database';
import { postgresDatabase } from '../../src/db/pg-database';
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
    for (const term of ['diop1234', 'kane777', 'fatou.sow']) {
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
    const plan = await listPlan('aminata', 'all');
    const bounded = plan.filter((node) => node['Index Name']?.startsWith('customers_tenant_'));
    expect(bounded.length).toBeGreaterThanOrEqual(1);
    for (const scan of bounded) expectTenantBound(scan);
    expectNoSequentialScan(plan);
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
});

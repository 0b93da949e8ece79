import { postgresDatabase } from '../../src/db/pg-database';
import type { SqlDatabase } from '../../src/db/sql-database';
import { functionCall } from '../../src/db/sql-database';
import type { TestTenant } from '../helpers/tenants';
import { createTenant } from '../helpers/tenants';
import { RUN_DB_URL_VAR, usingPostgres } from '../helpers/test-env';

type Prepared = {
  name: string;
  statement: string;
};

/**
 * What the session of a one-connection pool has prepared: pg_prepared_statements shows the
 * statements of the connection that reads it, which is the one every call of the pool used.
 */
const prepared = (db: SqlDatabase): Promise<Prepared[]> =>
  db.session((s) => s.query<Prepared>("select name, statement from pg_prepared_statements where name like 'gw\\_%' order by name"));

/** The list call; without `p_include_total` it is another shape (the argument takes its default). */
const list = (tenant: TestTenant, search: string | null = null, shape: 'all' | 'no total flag' = 'all') => ({
  p_organization_id: tenant.organizationId,
  p_environment: tenant.environment,
  p_merchant_id: tenant.merchantId,
  p_search_term: search,
  p_customer_type: null,
  p_activity_status: null,
  p_offset: 0,
  p_limit: 10,
  p_include_total: shape === 'all' ? false : undefined,
});

// Named statements live in a PostgreSQL session; PGlite runs the SQL in this process, with no
// protocol round trip to save, so this runs on the PostgreSQL pass.
(usingPostgres() ? describe : describe.skip)('named prepared statements (PostgreSQL adapter)', () => {
  const url = (): string => process.env[RUN_DB_URL_VAR] as string;

  test('each call shape is prepared once per connection, under a name made from the function and the shape', async () => {
    const db = postgresDatabase({ connectionString: url(), statementTimeoutMs: 30000, poolSize: 1 });
    try {
      const tenant = await createTenant(db);
      await db.rpc('fetch_customers_with_status', list(tenant));
      await db.rpc('fetch_customers_with_status', list(tenant));
      await db.rpc('fetch_customers_with_status', list(tenant, "o'brien; drop table customers"));
      await db.rpc('fetch_customers_with_status', list(tenant, 'someone else', 'no total flag'));

      const statements = await prepared(db);
      const lists = statements.filter((s) => s.name.startsWith('gw_fetch_customers_with_status_'));
      // two shapes (with and without p_include_total), whatever the values: nothing of the client's in a name
      expect(lists.map((s) => s.statement).sort()).toEqual(
        [functionCall('fetch_customers_with_status', list(tenant)).text, functionCall('fetch_customers_with_status', list(tenant, null, 'no total flag')).text].sort(),
      );
      expect(new Set(lists.map((s) => s.name)).size).toBe(2);
      for (const { name } of statements) expect(name).toMatch(/^gw_[a-z_]+_[0-9a-f]{10}$/);
      expect(statements.map((s) => s.name)).toContainEqual(expect.stringMatching(/^gw_create_organization_/));
      expect(statements.map((s) => s.statement).join('\n')).not.toMatch(/brien|someone/);
    } finally {
      await db.close();
    }
  });

  test('in transaction pool mode nothing is prepared by name, and the calls answer the same', async () => {
    const named = postgresDatabase({ connectionString: url(), statementTimeoutMs: 30000, poolSize: 1 });
    const unnamed = postgresDatabase({ connectionString: url(), statementTimeoutMs: 30000, poolSize: 1, poolMode: 'transaction' });
    try {
      const tenant = await createTenant(named);
      await named.rpc('create_customer', {
        p_organization_id: tenant.organizationId,
        p_environment: tenant.environment,
        p_merchant_id: tenant.merchantId,
        p_name: 'Ama Mensah',
        p_email: 'ama@example.com',
      });
      const viaNamed = await named.rpc('fetch_customers_with_status', list(tenant));
      const viaUnnamed = await unnamed.rpc('fetch_customers_with_status', list(tenant));
      expect(viaUnnamed).toEqual(viaNamed);
      expect(viaUnnamed).toHaveLength(1);
      expect(await prepared(unnamed)).toEqual([]);
      expect((await prepared(named)).length).toBeGreaterThan(0);
    } finally {
      await named.close();
      await unnamed.close();
    }
  });
});

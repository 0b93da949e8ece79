/**
 * The grants of schema/sql/006 where Supabase's roles exist. PostgreSQL only (skipped without
 * TEST_DATABASE_URL): PGlite has a single user. A database of its own is set up the way a
 * Supabase project is (roles anon, authenticated and service_role; an `extensions` schema on
 * the search path; default privileges that grant everything in `public` to all three roles),
 * then migrated. A holder of the anon key must not be able to call any function or read any
 * tenant table; service_role, which the gateway uses, can call them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { RPC_FUNCTIONS } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import type { PgDatabase } from '../../src/db/pg-database';
import { postgresDatabase } from '../../src/db/pg-database';
import { ADMIN_URL, databaseUrl } from '../helpers/test-env';

const ROLES = ['anon', 'authenticated', 'service_role'] as const;
const ORG = '00000000-0000-4000-8000-000000000001';
const TABLES = ['customers', 'transactions', 'api_keys', 'organizations', 'merchants'];

const describePg = ADMIN_URL ? describe : describe.skip;

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

describePg('grants on a database with Supabase roles (PostgreSQL)', () => {
  const name = `gateway_grants_${Date.now()}_${randomBytes(3).toString('hex')}`;
  let admin: pg.Client;
  let db: PgDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    // Roles are cluster-wide: create the missing ones and leave them afterwards (NOLOGIN,
    // without privileges outside the dropped database), since another run may be using them.
    for (const role of ROLES) {
      try {
        await admin.query(`do $$ begin if not exists (select 1 from pg_roles where rolname = '${role}') then create role ${role} nologin; end if; end $$`);
      } catch (error) {
        // a concurrent run created it between the check and the create
        if (!['42710', '23505'].includes(codeOf(error) ?? '')) throw error;
      }
    }
    await admin.query(`create database "${name}"`);
    const url = databaseUrl(ADMIN_URL ?? '', name);

    // What a Supabase project has before any migration.
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`
        create schema extensions;
        alter database "${name}" set search_path = "$user", public, extensions;
        grant usage on schema public to anon, authenticated, service_role;
        alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
        alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
        alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
      `);
    } finally {
      await setup.end();
    }

    db = postgresDatabase({ connectionString: url, statementTimeoutMs: 30_000, poolSize: 2 });
    await migrate(db);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.close();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  /** Runs `sql` as `role` in a transaction that is rolled back; returns the SQLSTATE of a failure. */
  async function asRole(role: string, sql: string, values: unknown[] = []): Promise<string | undefined> {
    await client.query('begin');
    try {
      await client.query(`set local role ${role}`);
      await client.query(sql, values);
      return undefined;
    } catch (error) {
      return codeOf(error) ?? 'unknown';
    } finally {
      await client.query('rollback');
    }
  }

  test('pg_trgm lives in the extensions schema, as on Supabase', async () => {
    const { rows } = await client.query<{ nspname: string }>(
      "select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'",
    );
    expect(rows).toEqual([{ nspname: 'extensions' }]);
  });

  test.each(['anon', 'authenticated'])('%s cannot execute any function of the schema', async (role) => {
    expect(await asRole(role, 'select * from fetch_customers_with_status(null, $1, null, null, null, 0, 10, $2)', [ORG, 'test'])).toBe('42501');
    const { rows } = await client.query<{ signature: string; allowed: boolean }>(
      `select p.oid::regprocedure::text as signature, has_function_privilege($1, p.oid, 'execute') as allowed
       from pg_proc p
       where p.pronamespace = 'public'::regnamespace
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
      [role],
    );
    expect(rows.length).toBeGreaterThanOrEqual(RPC_FUNCTIONS.length);
    expect(rows.filter((r) => r.allowed).map((r) => r.signature)).toEqual([]);
  });

  test.each(['anon', 'authenticated'])('%s cannot read or write the tenant tables', async (role) => {
    for (const table of TABLES) {
      expect(await asRole(role, `select * from ${table} limit 1`)).toBe('42501');
      expect(await asRole(role, `delete from ${table}`)).toBe('42501');
    }
    const { rows } = await client.query<{ relname: string }>(
      `select c.relname from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm', 'S')
         and (has_table_privilege($1, c.oid, 'select') or has_table_privilege($1, c.oid, 'insert')
              or has_table_privilege($1, c.oid, 'update') or has_table_privilege($1, c.oid, 'delete'))`,
      [role],
    );
    expect(rows).toEqual([]);
  });

  test('service_role executes the functions (search included), as the gateway does', async () => {
    await client.query('begin');
    try {
      await client.query('set local role service_role');
      const { rows: orgs } = await client.query<{ organization_id: string; merchant_id: string }>("select * from create_organization('Grants')");
      const org = orgs[0];
      await client.query("select * from create_customer(p_merchant_id => $1, p_organization_id => $2, p_environment => 'test', p_name => 'Fatou Sow')", [
        org.merchant_id,
        org.organization_id,
      ]);
      const { rows } = await client.query<{ name: string }>(
        "select name from fetch_customers_with_status(null, $1, 'fatou', 'all', 'all', 0, 10, 'test')",
        [org.organization_id],
      );
      expect(rows).toEqual([{ name: 'Fatou Sow' }]);
      const { rows: allowed } = await client.query<{ fn: string }>(
        `select proname as fn from pg_proc where pronamespace = 'public'::regnamespace and proname = any($1)
           and not has_function_privilege('service_role', oid, 'execute')`,
        [[...RPC_FUNCTIONS]],
      );
      expect(allowed).toEqual([]);
    } finally {
      await client.query('rollback');
    }
  });

  test('PUBLIC has no EXECUTE on the functions', async () => {
    const { rows } = await client.query<{ signature: string }>(
      `select p.oid::regprocedure::text as signature from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
       where p.pronamespace = 'public'::regnamespace and a.grantee = 0 and a.privilege_type = 'EXECUTE'
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
    );
    expect(rows).toEqual([]);
  });

  test('every function sets a search_path that reaches the extensions schema', async () => {
    const { rows } = await client.query<{ proname: string; proconfig: string[] | null }>(
      `select p.proname, p.proconfig from pg_proc p
       where p.pronamespace = 'public'::regnamespace
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
    );
    const without = rows.filter((r) => !(r.proconfig ?? []).some((c) => /^search_path=.*\bextensions\b/.test(c)));
    expect(without.map((r) => r.proname)).toEqual([]);
  });
});

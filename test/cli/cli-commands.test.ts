import { hashApiKey } from '../../src/auth/api-keys';
import { jsonOf, objectOf, stringField, useCli } from '../helpers/cli';
import { usingPostgres } from '../helpers/test-env';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// every run boots the embedded database from disk: seconds each, more on a busy machine
jest.setTimeout(300_000);

const cli = useCli();

async function newOrganization(name = 'Acme SARL'): Promise<{ organizationId: string; merchantId: string }> {
  const out = jsonOf(await cli.run(['org', 'create', '--name', name]));
  return { organizationId: stringField(out, 'organizationId'), merchantId: stringField(out, 'merchantId') };
}

const verify = (apiKey: string) => cli.withDatabase((db) => db.rpc('verify_api_key', { p_key_hash: hashApiKey(apiKey) }));

describe('migrate', () => {
  test('prints the versions it applied, then nothing left to apply', async () => {
    const first = objectOf(jsonOf(await cli.run(['migrate'])));
    expect(Array.isArray(first.applied)).toBe(true);
    if (cli.embedded) expect(first.applied).toEqual(expect.arrayContaining(['001_extensions', '002_tables']));
    expect(jsonOf(await cli.run(['migrate']))).toEqual({ applied: [] });
  });

  test('through npm run --silent, stdout is still only the JSON document', async () => {
    expect(jsonOf(await cli.runThroughNpm(['migrate']))).toEqual({ applied: [] });
  });
});

describe('org create', () => {
  test('prints the new organization and its merchant', async () => {
    const org = await newOrganization('  Boutique Awa  ');
    expect(org.organizationId).toMatch(UUID);
    expect(org.merchantId).toMatch(UUID);
  });
});

describe('API keys', () => {
  test('a created key verifies to its tenant, is listed without its secret, and stops verifying once revoked', async () => {
    const org = await newOrganization();
    const created = objectOf(jsonOf(await cli.run(['key', 'create', '--organization', org.organizationId, '--environment', 'test', '--name', 'CI'])));
    expect(created).toEqual({ id: expect.stringMatching(UUID), apiKey: expect.stringMatching(/^lomi_test_[A-Za-z0-9_-]{43}$/), environment: 'test' });
    const apiKey = stringField(created, 'apiKey');

    expect(await verify(apiKey)).toEqual([
      { api_key_id: created.id, organization_id: org.organizationId, merchant_id: org.merchantId, environment: 'test', expires_at: null },
    ]);

    const listing = await cli.run(['key', 'list', '--organization', org.organizationId]);
    expect(listing.stdout).not.toContain(apiKey);
    expect(listing.stdout).not.toContain(hashApiKey(apiKey));
    expect(jsonOf(listing)).toEqual({
      keys: [expect.objectContaining({ id: created.id, merchantId: org.merchantId, name: 'CI', environment: 'test', active: true, revokedAt: null, prefix: apiKey.slice(0, 14) })],
    });

    const revoked = objectOf(jsonOf(await cli.run(['key', 'revoke', '--id', String(created.id)])));
    expect(revoked).toEqual({ id: created.id, revokedAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(String(revoked.revokedAt)))).toBe(false);
    expect(await verify(apiKey)).toEqual([]);
    expect(jsonOf(await cli.run(['key', 'list', '--organization', org.organizationId]))).toEqual({
      keys: [expect.objectContaining({ id: created.id, active: false, revokedAt: revoked.revokedAt })],
    });
  });

  test('a live key for a named merchant, expiring in N days', async () => {
    const org = await newOrganization();
    const created = objectOf(jsonOf(await cli.run([
      'key', 'create', '--organization', org.organizationId, '--environment', 'live', '--merchant', org.merchantId, '--expires-in-days', '7',
    ])));
    expect(stringField(created, 'apiKey')).toMatch(/^lomi_live_/);
    expect(created.environment).toBe('live');
    const { keys } = objectOf(jsonOf(await cli.run(['key', 'list', '--organization', org.organizationId])));
    const [key] = Array.isArray(keys) ? keys : [];
    expect(stringField(key, 'merchantId')).toBe(org.merchantId);
    const expiresIn = Date.parse(stringField(key, 'expiresAt')) - Date.now();
    expect(expiresIn).toBeGreaterThan(6.9 * 86_400_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 86_400_000);
  });

  test('the key prefix follows API_KEY_PREFIX', async () => {
    const org = await newOrganization();
    const created = jsonOf(await cli.run(['key', 'create', '--organization', org.organizationId, '--environment', 'test'], { API_KEY_PREFIX: 'acme' }));
    expect(stringField(created, 'apiKey')).toMatch(/^acme_test_/);
  });

  test('an organization without keys lists none', async () => {
    expect(jsonOf(await cli.run(['key', 'list', '--organization', '00000000-0000-4000-8000-000000000000']))).toEqual({ keys: [] });
  });
});

describe('seed', () => {
  let seededOrganizationId = '';
  test('adds demo customers and transactions to the tenant', async () => {
    const org = await newOrganization();
    seededOrganizationId = org.organizationId;
    const out = objectOf(jsonOf(await cli.run(['seed', '--organization', org.organizationId, '--environment', 'live', '--customers', '40'])));
    expect(out.customers).toBe(40);
    expect(typeof out.transactions).toBe('number');
    const counts = await cli.withDatabase(async (db) => ({
      live: await db.rpc('count_customers_with_status', { p_organization_id: org.organizationId, p_environment: 'live' }),
      test: await db.rpc('count_customers_with_status', { p_organization_id: org.organizationId, p_environment: 'test' }),
    }));
    expect(counts).toEqual({ live: [{ total_count: 40 }], test: [{ total_count: 0 }] });
  });

  test('--transactions-per-customer 0 adds none', async () => {
    expect(jsonOf(await cli.run([
      'seed', '--organization', seededOrganizationId, '--environment=test', '--customers=3', '--transactions-per-customer=0',
    ]))).toEqual({ customers: 3, transactions: 0 });
  });

  // The gateway's DB_STATEMENT_TIMEOUT_MS (default 5 s) protects requests; the CLI's bulk work
  // is not bound by it. On the embedded database, seeding at this size is covered by
  // test/main/embedded-large.test.ts.
  (usingPostgres() ? test : test.skip)('100,000 customers on PostgreSQL with the default settings, then fresh planner statistics', async () => {
    const org = await newOrganization('Big Seed SARL');
    const env = cli.env();
    expect(env.DB_STATEMENT_TIMEOUT_MS).toBeUndefined();
    const out = objectOf(jsonOf(await cli.run(['seed', '--organization', org.organizationId, '--environment', 'test', '--customers', '100000'], {}, 280_000)));
    expect(out.customers).toBe(100_000);
    const [{ reltuples }] = await cli.withDatabase((db) => db.session((s) => s.query<{ reltuples: number }>("select reltuples::float8 as reltuples from pg_class where oid = 'customers'::regclass")));
    expect(reltuples).toBeGreaterThanOrEqual(100_000);
  });
});

describe('idempotency purge', () => {
  test('deletes the expired idempotency records of every tenant and prints how many', async () => {
    const orgs = [await newOrganization('Purge One'), await newOrganization('Purge Two')];
    await cli.withDatabase(async (db) => {
      for (const [i, org] of orgs.entries()) {
        for (const key of ['old', 'new']) {
          await db.rpc('create_customer', {
            p_merchant_id: org.merchantId,
            p_organization_id: org.organizationId,
            p_environment: 'test',
            p_name: `Customer ${i} ${key}`,
            p_idempotency_key: key,
          });
        }
        await db.session((s) =>
          s.query("update idempotency_keys set created_at = now() - interval '25 hours' where organization_id = $1 and idempotency_key = 'old'", [org.organizationId]),
        );
      }
    });
    const out = objectOf(jsonOf(await cli.run(['idempotency', 'purge'])));
    expect(out.purged).toBeGreaterThanOrEqual(2);
    const left = await cli.withDatabase((db) =>
      db.session((s) =>
        s.query<{ idempotency_key: string }>('select idempotency_key from idempotency_keys where organization_id = any($1) order by 1', [orgs.map((o) => o.organizationId)]),
      ),
    );
    expect(left.map((r) => r.idempotency_key)).toEqual(['new', 'new']);
  });
});

import { migrate } from '../../src/db/migrate';
import { postgresDatabase } from '../../src/db/pg-database';
import { GetCustomerDocument } from '../generated/graphql';
import { openTestDatabase } from '../helpers/database';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { withScratchPostgresDatabase } from '../helpers/scratch-database';
import { TcpProxy } from '../helpers/tcp-proxy';
import { ADMIN_URL, usingPostgres } from '../helpers/test-env';

const LIST = '{ customers { customers { id name email } } }';

/** Runs `work` on a database of this test's own, which it may break. */
async function withOwnDatabase(work: (gw: TestGateway, logLines: string[]) => Promise<void>): Promise<void> {
  const logLines: string[] = [];
  if (!usingPostgres()) {
    const gw = await startGateway({}, { database: await openTestDatabase(), logLines });
    try {
      await work(gw, logLines);
    } finally {
      await gw.close();
    }
    return;
  }
  await withScratchPostgresDatabase(async (url) => {
    const db = postgresDatabase({ connectionString: url, statementTimeoutMs: 30000, poolSize: 4 });
    await migrate(db);
    const gw = await startGateway({}, { database: db, logLines });
    try {
      await work(gw, logLines);
    } finally {
      await gw.close();
    }
  });
}

describe('unexpected errors are masked and logged with the request id', () => {
  test('a broken database function gives "Internal server error" with requestId, and the log has the rest', async () => {
    await withOwnDatabase(async (gw, logLines) => {
      const { key, organizationId } = await gw.tenantWithKey();
      const created = await gw.gql<{ createCustomer: { id: string } }>(
        'mutation { createCustomer(input: { name: "Secret Person", email: "secret.person@example.com" }) { id } }', undefined, { key });
      const id = created.body.data?.createCustomer.id as string;
      await gw.db.inner.session((s) => s.exec('drop function get_customers_by_ids(uuid[], uuid, text)'));

      const res = await gw.gql(GetCustomerDocument, { id }, { key, headers: { 'x-request-id': 'trace-me-123' } });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ customer: null });
      expect(res.body.errors).toEqual([
        { message: 'Internal server error', locations: expect.any(Array), path: ['customer'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'trace-me-123' } },
      ]);
      const text = JSON.stringify(res.body);
      expect(text).not.toMatch(/get_customers_by_ids|function|select|stack/i);

      const logged = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toContainEqual(expect.objectContaining({ requestId: 'trace-me-123', msg: 'internal error' }));
      expect(logged).toContainEqual(expect.objectContaining({ requestId: 'trace-me-123', msg: 'request finished', path: '/graphql', status: 200, organizationId, environment: 'test', durationMs: expect.any(Number) }));
      const all = logLines.join('\n');
      expect(all).not.toContain(key);
      expect(all).not.toContain('secret.person@example.com');
      expect(all).not.toContain('Secret Person');

      // a router's entity lookup (federation's _entities) is masked the same way, at its position
      const entities = await gw.gql(
        'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }',
        { r: [{ __typename: 'Customer', id }] },
        { key, headers: { 'x-request-id': 'trace-entities' } },
      );
      expect(entities.status).toBe(200);
      expect(entities.body.data).toEqual({ _entities: [null] });
      expect(entities.body.errors).toEqual([
        { message: 'Internal server error', locations: expect.any(Array), path: ['_entities', 0], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'trace-entities' } },
      ]);
      expect(JSON.stringify(entities.body)).not.toMatch(/get_customers_by_ids|function|select|stack/i);
      expect(logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ requestId: 'trace-entities', msg: 'internal error' }));
    });
  });
});

describe('when the database is unreachable', () => {
  test('authenticated requests get SERVICE_UNAVAILABLE (503) and /ready is 503; /health stays 200', async () => {
    // nothing listens on port 1 of the loopback
    const down = postgresDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/none', statementTimeoutMs: 1000, poolSize: 1 });
    const gw = await startGateway({}, { database: down });
    try {
      const res = await gw.gql(LIST, undefined, { key: 'lomi_test_' + 'a'.repeat(43) });
      expect(res.status).toBe(503);
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      expect((await fetch(`${gw.url}/ready`)).status).toBe(503);
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  (usingPostgres() ? test : test.skip)('the gateway recovers by itself when the database comes back (PostgreSQL)', async () => {
    const target = new URL(ADMIN_URL as string);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const runUrl = new URL(process.env.GATEWAY_TEST_RUN_DATABASE_URL as string);
    runUrl.host = `127.0.0.1:${proxy.port}`;
    const gw = await startGateway({ AUTH_CACHE_TTL_SECONDS: '60' }, {
      database: postgresDatabase({ connectionString: runUrl.toString(), statementTimeoutMs: 2000, poolSize: 2 }),
    });
    try {
      const { key } = await gw.tenantWithKey();
      expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);

      await proxy.stop();
      const during = await gw.gql(LIST, undefined, { key });
      expect(during.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect((await fetch(`${gw.url}/ready`)).status).toBe(503);

      await proxy.start();
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
      const after = await gw.gql(LIST, undefined, { key });
      expect(after.status).toBe(200);
      expect(after.body.errors).toBeUndefined();
    } finally {
      await gw.close();
      await proxy.stop();
    }
  });
});

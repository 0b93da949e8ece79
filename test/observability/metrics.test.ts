import { rmSync } from 'node:fs';
import { generateApiKey } from '../../src/auth/api-keys';
import { postgresDatabase } from '../../src/db/pg-database';
import { freePort } from '../../bench/servers';
import type { TestGateway } from '../helpers/gateway';
import { startGateway, TEST_CURSOR_SECRET, useGateway } from '../helpers/gateway';
import type { GeneratedManifest } from '../helpers/persisted-documents';
import { generateManifest, manifestDir, manifestFile } from '../helpers/persisted-documents';
import { RUN_DB_URL_VAR, usingPostgres } from '../helpers/test-env';
import { rest } from '../rest/helpers';
import type { Sample } from './prometheus';
import { parseSamples, scrape, valueOf } from './prometheus';

const LIST = 'query ListSome { customers(pageSize: 2) { customers { id } } }';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

function operations(samples: readonly Sample[], labels: Record<string, string>): number | undefined {
  return valueOf(samples, 'gateway_operations_total', labels);
}

describe('/metrics counts operations by name, type and outcome code', () => {
  const { gw, tenant } = useGateway();
  const metrics = () => scrape(`${gw.url}/metrics`);

  test('a named query, a mutation refused for its input, an anonymous query and a document that does not parse', async () => {
    expect((await gw.gql(LIST, undefined, { key: tenant.key })).status).toBe(200);
    expect((await gw.gql(LIST, undefined, { key: tenant.key })).status).toBe(200);
    const refused = await gw.gql('mutation AddOne { createCustomer(input: { name: "", email: "not-an-email" }) { id } }', undefined, { key: tenant.key });
    expect(refused.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await gw.gql('{ customers(pageSize: 1) { pagination { totalCount } } }', undefined, { key: tenant.key });
    await gw.gql('query Broken { customers(', undefined, { key: tenant.key });

    const samples = await metrics();
    expect(operations(samples, { api: 'graphql', operation: 'ListSome', type: 'query', code: 'OK' })).toBe(2);
    expect(operations(samples, { api: 'graphql', operation: 'AddOne', type: 'mutation', code: 'BAD_USER_INPUT' })).toBe(1);
    expect(operations(samples, { api: 'graphql', operation: '(anonymous)', type: 'query', code: 'OK' })).toBe(1);
    expect(operations(samples, { api: 'graphql', operation: '(unknown)', type: 'unknown', code: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
    expect(valueOf(samples, 'gateway_operation_duration_seconds_count', { api: 'graphql', operation: 'ListSome', type: 'query' })).toBe(2);
    expect(valueOf(samples, 'gateway_operation_duration_seconds_bucket', { api: 'graphql', operation: 'ListSome', type: 'query', le: '+Inf' })).toBe(2);
  });

  test('database calls are timed by SQL function, whatever the backend', async () => {
    const before = valueOf(await metrics(), 'gateway_db_call_duration_seconds_count', { function: 'fetch_customers_with_status' }) ?? 0;
    await gw.gql(LIST, undefined, { key: tenant.key });
    const samples = await metrics();
    expect(valueOf(samples, 'gateway_db_call_duration_seconds_count', { function: 'fetch_customers_with_status' })).toBe(before + 1);
    expect(valueOf(samples, 'gateway_db_call_duration_seconds_count', { function: 'verify_api_key' })).toBeGreaterThanOrEqual(1);
    const sum = valueOf(samples, 'gateway_db_call_duration_seconds_sum', { function: 'fetch_customers_with_status' }) ?? 0;
    expect(sum).toBeGreaterThan(0);
  });

  test('requests refused for their key count as auth failures, by reason', async () => {
    const before = await metrics();
    expect((await gw.gql(LIST)).status).toBe(401);
    expect((await gw.gql(LIST, undefined, { key: generateApiKey('lomi', 'test').key })).status).toBe(401);
    expect((await gw.gql(LIST, undefined, { key: 'not-even-a-key' })).status).toBe(401);
    const after = await metrics();
    const delta = (reason: string) => (valueOf(after, 'gateway_auth_failures_total', { reason }) ?? 0) - (valueOf(before, 'gateway_auth_failures_total', { reason }) ?? 0);
    expect(delta('missing_key')).toBe(1);
    expect(delta('invalid_key')).toBe(2);
    expect(operations(after, { api: 'graphql', operation: 'ListSome', type: 'query', code: 'UNAUTHENTICATED' })).toBe(3);
  });

  test('REST requests count under their route operationId', async () => {
    expect((await rest(gw, 'GET', '/customers', { key: tenant.key })).status).toBe(200);
    expect((await rest(gw, 'GET', '/customers/00000000-0000-4000-8000-000000000000', { key: tenant.key })).status).toBe(404);
    expect((await rest(gw, 'GET', '/customers')).status).toBe(401);
    const samples = await metrics();
    expect(operations(samples, { api: 'rest', operation: 'listCustomers', type: 'query', code: 'OK' })).toBe(1);
    expect(operations(samples, { api: 'rest', operation: 'getCustomer', type: 'query', code: 'NOT_FOUND' })).toBe(1);
    expect(operations(samples, { api: 'rest', operation: 'listCustomers', type: 'query', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(valueOf(samples, 'gateway_operation_duration_seconds_count', { api: 'rest', operation: 'listCustomers', type: 'query' })).toBe(2);
  });

  test('the process defaults and the connection gauges are there', async () => {
    const samples = await metrics();
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    const backend = gw.db.kind;
    // at rest, between requests: nothing busy, nothing waiting
    expect(valueOf(samples, 'gateway_db_connections_in_use', { backend })).toBe(0);
    expect(valueOf(samples, 'gateway_db_connections_waiting', { backend })).toBe(0);
    expect(valueOf(samples, 'gateway_db_connections_open', { backend })).toBeGreaterThanOrEqual(0);
  });

  test('request logs of GraphQL and REST carry the operation, its outcome code and the duration', async () => {
    const lines: string[] = [];
    const logged = await startGateway({}, { logLines: lines });
    try {
      const { key } = await logged.tenantWithKey();
      await logged.gql(LIST, undefined, { key, headers: { 'x-request-id': 'log-graphql-1' } });
      await logged.gql('mutation AddOne { createCustomer(input: { name: "", email: "x" }) { id } }', undefined, { key, headers: { 'x-request-id': 'log-graphql-2' } });
      await rest(logged, 'GET', '/customers/00000000-0000-4000-8000-000000000000', { key, headers: { 'x-request-id': 'log-rest-1' } });
    } finally {
      await logged.close();
    }
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request finished');
    const byId = (id: string) => entries.find((entry) => entry.requestId === id);
    expect(byId('log-graphql-1')).toMatchObject({ operation: 'ListSome', operationType: 'query', outcome: 'OK', status: 200, durationMs: expect.any(Number) });
    expect(byId('log-graphql-2')).toMatchObject({ operation: 'AddOne', operationType: 'mutation', outcome: 'BAD_USER_INPUT', durationMs: expect.any(Number) });
    expect(byId('log-rest-1')).toMatchObject({ operation: 'getCustomer', operationType: 'query', outcome: 'NOT_FOUND', status: 404, durationMs: expect.any(Number) });
  });
});

describe('refusals by the limiters are counted', () => {
  test('the tenant budget and the failed-authentication limit', async () => {
    const gw = await startGateway({ RATE_LIMIT_MAX: '2', AUTH_FAILURE_LIMIT: '1' });
    try {
      const { key } = await gw.tenantWithKey();
      for (let i = 0; i < 2; i++) expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);
      const limited = await gw.gql(LIST, undefined, { key });
      expect(limited.status).toBe(429);
      expect((await rest(gw, 'GET', '/customers', { key })).status).toBe(429);
      expect((await gw.gql(LIST, undefined, { key: generateApiKey('lomi', 'test').key })).status).toBe(401);
      expect((await gw.gql(LIST, undefined, { key: generateApiKey('lomi', 'test').key })).status).toBe(429);

      const samples = await scrape(`${gw.url}/metrics`);
      expect(valueOf(samples, 'gateway_limit_refusals_total', { limiter: 'tenant' })).toBe(2);
      expect(valueOf(samples, 'gateway_limit_refusals_total', { limiter: 'auth_failures' })).toBe(1);
      expect(valueOf(samples, 'gateway_limit_refusals_total', { limiter: 'mutation' })).toBe(0);
      expect(valueOf(samples, 'gateway_limit_refusals_total', { limiter: 'introspection' })).toBe(0);
      expect(operations(samples, { api: 'graphql', operation: 'ListSome', type: 'query', code: 'RATE_LIMITED' })).toBe(2);
      expect(operations(samples, { api: 'rest', operation: 'listCustomers', type: 'query', code: 'RATE_LIMITED' })).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

describe('labels stay bounded and never name a tenant, key, customer or request', () => {
  test('150 operation names from 5 tenants: the first 100 names, then `other`; no id or key in the text', async () => {
    const gw = await startGateway();
    try {
      const tenants = await Promise.all(Array.from({ length: 5 }, () => gw.tenantWithKey()));
      const created = await gw.gql<{ createCustomer: { id: string } }>('mutation { createCustomer(input: { name: "Label Person", email: "label.person@example.com" }) { id } }', undefined, { key: tenants[0].key });
      const customerId = created.body.data?.createCustomer.id as string;
      for (let i = 0; i < 150; i++) {
        const { key } = tenants[i % tenants.length];
        const response = await gw.gql(`query Op${i} { customer(id: "${customerId}") { id } }`, undefined, { key, headers: { 'x-request-id': `request-${i}-abc` } });
        expect(response.status).toBe(200);
      }
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const samples = parseSamples(text);
      const names = new Set(samples.filter((s) => s.name === 'gateway_operations_total' && s.labels.api === 'graphql').map((s) => s.labels.operation));
      // Op0..Op99 take the 100 slots (the anonymous mutation above has a fixed label of its own)
      expect(names.has('Op0')).toBe(true);
      expect(names.has('Op99')).toBe(true);
      expect(names.has('Op100')).toBe(false);
      expect(names.has('other')).toBe(true);
      expect(names.size).toBeLessThanOrEqual(100 + 2);
      // the other tenants' requests name a customer they cannot see: NOT_FOUND, a series of its own
      const other = samples.filter((s) => s.name === 'gateway_operations_total' && s.labels.operation === 'other');
      expect(other.map((s) => s.labels.code).sort()).toEqual(['NOT_FOUND', 'OK']);
      expect(other.reduce((sum, s) => sum + s.value, 0)).toBe(50);

      const labelValues = new Set(samples.flatMap((s) => Object.values(s.labels)));
      const allowedLabels = ['api', 'operation', 'type', 'code', 'le', 'function', 'kind', 'limiter', 'reason', 'backend'];
      const gatewayLabels = new Set(samples.filter((s) => s.name.startsWith('gateway_')).flatMap((s) => Object.keys(s.labels)));
      expect([...gatewayLabels].filter((name) => !allowedLabels.includes(name))).toEqual([]);
      for (const tenant of tenants) {
        expect(text).not.toContain(tenant.organizationId);
        expect(text).not.toContain(tenant.merchantId);
        expect(text).not.toContain(tenant.key);
      }
      expect(text).not.toMatch(/lomi_/);
      expect(text).not.toContain(customerId);
      expect(text).not.toMatch(/request-\d+-abc/);
      expect(labelValues.size).toBeLessThan(300);
    } finally {
      await gw.close();
    }
  });
});

describe('with a persisted-documents manifest, its operations are the only names labelled', () => {
  // the manifest GraphQL Code Generator's client preset writes for test/operations, generated here
  const dir = manifestDir();
  let manifest: GeneratedManifest;
  beforeAll(async () => {
    manifest = await generateManifest(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a manifest operation by its id and by its text keeps its name; any other name is `other`, even the first seen', async () => {
    const gw = await startGateway({ PERSISTED_DOCUMENTS: 'allow', PERSISTED_DOCUMENTS_MANIFEST: manifestFile(dir) });
    try {
      const { key } = await gw.tenantWithKey();
      const byId = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ documentId: manifest.idOf('ListCustomerNames'), variables: { pageSize: 5 } }),
      });
      expect(byId.status).toBe(200);
      expect((await gw.gql(manifest.textOf('ListCustomerNames'), { pageSize: 5 }, { key })).status).toBe(200);
      expect((await gw.gql('query Stranger { customers(pageSize: 1) { customers { id } } }', undefined, { key })).status).toBe(200);
      expect((await gw.gql('query AnotherStranger { customers(pageSize: 1) { customers { id } } }', undefined, { key })).status).toBe(200);

      const samples = await scrape(`${gw.url}/metrics`);
      const names = samples.filter((s) => s.name === 'gateway_operations_total' && s.labels.api === 'graphql').map((s) => s.labels.operation).sort();
      expect(names).toEqual(['ListCustomerNames', 'other']);
      expect(operations(samples, { api: 'graphql', operation: 'ListCustomerNames', type: 'query', code: 'OK' })).toBe(2);
      expect(operations(samples, { api: 'graphql', operation: 'other', type: 'query', code: 'OK' })).toBe(2);
    } finally {
      await gw.close();
    }
  });
});

(usingPostgres() ? describe : describe.skip)('pool gauges on PostgreSQL', () => {
  test('a held connection is in use; a request waiting for one is waiting', async () => {
    const pool = postgresDatabase({ connectionString: process.env[RUN_DB_URL_VAR] as string, statementTimeoutMs: 30_000, poolSize: 1 });
    const gw = await startGateway({}, { database: pool, backend: 'sql' });
    try {
      const { key } = await gw.tenantWithKey();
      expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);
      let busy: Sample[] = [];
      let answered: Promise<{ status: number }> | undefined;
      await pool.session(async () => {
        // The pool's one connection is held here: the request's database call (its key is
        // cached) waits for it until this session ends.
        answered = gw.gql(LIST, undefined, { key });
        for (let i = 0; i < 500 && pool.usage().waiting === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        busy = await scrape(`${gw.url}/metrics`);
      });
      expect((await answered)?.status).toBe(200);
      const idle = await scrape(`${gw.url}/metrics`);
      expect(valueOf(busy, 'gateway_db_connections_in_use', { backend: 'postgres' })).toBe(1);
      expect(valueOf(busy, 'gateway_db_connections_waiting', { backend: 'postgres' })).toBe(1);
      expect(valueOf(busy, 'gateway_db_connections_open', { backend: 'postgres' })).toBe(1);
      expect(valueOf(idle, 'gateway_db_connections_in_use', { backend: 'postgres' })).toBe(0);
      expect(valueOf(idle, 'gateway_db_connections_waiting', { backend: 'postgres' })).toBe(0);
    } finally {
      await gw.close();
    }
  });
});

describe('where /metrics is served', () => {
  const graphqlWorks = async (gw: TestGateway) => {
    const { key } = await gw.tenantWithKey();
    expect((await gw.gql(LIST, undefined, { key })).status).toBe(200);
  };

  test('METRICS_PORT: on that port only, and not on the main one', async () => {
    const port = await freePort();
    const gw = await startGateway({ METRICS_PORT: String(port) });
    try {
      await graphqlWorks(gw);
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(404);
      const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(operations(samples, { api: 'graphql', operation: 'ListSome', type: 'query', code: 'OK' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await gw.close();
    }
    // the metrics port is closed with the gateway
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  test('production on the main port: Bearer METRICS_TOKEN, 401 without it or with another', async () => {
    const gw = await startGateway({ NODE_ENV: 'production', METRICS_TOKEN });
    try {
      await graphqlWorks(gw);
      const without = await fetch(`${gw.url}/metrics`);
      expect(without.status).toBe(401);
      expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await without.text()).not.toContain('gateway_operations_total');
      expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
      expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` } })).status).toBe(401);
      expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: METRICS_TOKEN } })).status).toBe(401);
      const samples = await scrape(`${gw.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(operations(samples, { api: 'graphql', operation: 'ListSome', type: 'query', code: 'OK' })).toBe(1);
    } finally {
      await gw.close();
    }
  });

  test('production without METRICS_TOKEN or METRICS_PORT: /metrics is not served (404), and the start says why', async () => {
    const lines: string[] = [];
    const gw = await startGateway({ NODE_ENV: 'production' }, { logLines: lines });
    try {
      await graphqlWorks(gw);
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(404);
      expect(lines.map((line) => JSON.parse(line) as { msg: string }).map((entry) => entry.msg)).toContainEqual(expect.stringMatching(/metrics are not served.*METRICS_TOKEN.*METRICS_PORT/));
    } finally {
      await gw.close();
    }
  });

  test('development: open on the main port, unless a token is set', async () => {
    const open = await startGateway();
    try {
      await scrape(`${open.url}/metrics`);
    } finally {
      await open.close();
    }
    const guarded = await startGateway({ METRICS_TOKEN });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      await scrape(`${guarded.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    } finally {
      await guarded.close();
    }
  });

  test('METRICS_PORT with METRICS_TOKEN: the token is asked on that port too', async () => {
    const port = await freePort();
    const gw = await startGateway({ METRICS_PORT: String(port), METRICS_TOKEN, NODE_ENV: 'production', CURSOR_SECRET: TEST_CURSOR_SECRET });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      await scrape(`http://127.0.0.1:${port}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    } finally {
      await gw.close();
    }
  });
});

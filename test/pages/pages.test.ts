import { buildSchema, parse, validate } from 'graphql';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApiKey } from '../../src/admin/admin';
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES, PLACEHOLDER_KEY } from '../../src/pages/offer';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { openTestDatabase } from '../helpers/database';
import { createTenant } from '../helpers/tenants';

const html = (gw: TestGateway, page: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${page}`, { headers: { accept: 'text/html', ...headers } });

/** The JSON a page's script reads from #page-config. */
function pageConfig(body: string): Record<string, unknown> {
  const match = /<script id="page-config" type="application\/json">(.*?)<\/script>/s.exec(body);
  if (!match) throw new Error('no #page-config in the page');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

// A request relayed by a proxy (TRUST_PROXY) from another machine: not loopback.
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

describe('pages for browsers in development, on the demo data', () => {
  let gw: TestGateway;
  let demoKey: string;
  beforeAll(async () => {
    // As `npm start` does: the demo organization and its key exist before the server starts.
    const database = await openTestDatabase();
    const tenant = await createTenant(database, 'test');
    const key = await createApiKey(database, { organizationId: tenant.organizationId, environment: 'test', prefix: 'lomi', name: 'Demo key' });
    demoKey = key.apiKey;
    gw = await startGateway({ TRUST_PROXY: 'true' }, { database, demoKey });
  });
  afterAll(() => gw.close());

  test('Sandbox opens on the worked example with the demo key when asked from this machine', async () => {
    const res = await html(gw, '/graphql');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('EmbeddedSandbox');
    expect(body).toContain(`"headers":{"x-api-key":"${demoKey}"}`);
    expect(body).toContain('"document":"# Customers of your key');
    expect(body).toContain('"variables":{"search":"","pageSize":5}');
  });

  test('Sandbox offers a placeholder, never the demo key, to another machine', async () => {
    const body = await (await html(gw, '/graphql', REMOTE)).text();
    expect(body).toContain(`"headers":{"x-api-key":"${PLACEHOLDER_KEY}"}`);
    expect(body).not.toContain(demoKey);
  });

  test("Sandbox's offline fallback links to the local explorer and REST docs", async () => {
    const body = await (await html(gw, '/graphql')).text();
    expect(body).toMatch(/<div class="fallback"><p>The gateway serves an explorer that works offline/);
    expect(body).toContain('<a href="/explorer">');
    expect(body).toContain('<a href="/docs">');
  });

  test('the explorer page loads only this origin\'s files, with the demo key for this machine', async () => {
    const res = await html(gw, '/explorer');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const body = await res.text();
    const sources = [...body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources) expect(source).toMatch(/^\/explorer\/assets\//);
    const config = pageConfig(body);
    expect(JSON.parse(String(config.headers))).toEqual({ 'x-api-key': demoKey });
    expect(config.query).toBe(EXAMPLE_OPERATION);
    expect(config.endpoint).toBe('/graphql');
  });

  test('every file the pages load is served', async () => {
    for (const page of ['/explorer', '/docs']) {
      const body = await (await html(gw, page)).text();
      for (const [, source] of body.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const asset = await fetch(`${gw.url}${source}`);
        expect([source, asset.status]).toEqual([source, 200]);
        expect(asset.headers.get('content-type')).toMatch(source.endsWith('.css') ? /^text\/css/ : /javascript/);
        expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
    }
    expect((await fetch(`${gw.url}/explorer/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${gw.url}/explorer/assets/package.json`)).status).toBe(404);
  });

  test('the explorer gives another machine the placeholder', async () => {
    const config = pageConfig(await (await html(gw, '/explorer', REMOTE)).text());
    expect(JSON.parse(String(config.headers))).toEqual({ 'x-api-key': PLACEHOLDER_KEY });
  });

  test('the REST docs page runs Swagger UI over /openapi.json with the offered key', async () => {
    const config = pageConfig(await (await html(gw, '/docs')).text());
    expect(config).toEqual({ openapi: '/openapi.json', apiKey: demoKey });
    expect(pageConfig(await (await html(gw, '/docs', REMOTE)).text())).toEqual({ openapi: '/openapi.json', apiKey: PLACEHOLDER_KEY });
  });

  test('the worked example is a valid operation of the served schema, and runs', async () => {
    const schema = buildSchema(readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8'));
    expect(validate(schema, parse(EXAMPLE_OPERATION))).toEqual([]);
    const res = await gw.gql(EXAMPLE_OPERATION, { ...EXAMPLE_VARIABLES }, { key: demoKey });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ customers: { customers: [], pagination: { totalCount: 0, totalPages: 0 } } });
  });
});

describe('pages without demo data, and in production', () => {
  test('without a demo key every page offers the placeholder', async () => {
    const gw = await startGateway();
    try {
      expect(await (await html(gw, '/graphql')).text()).toContain(`"headers":{"x-api-key":"${PLACEHOLDER_KEY}"}`);
      const config = pageConfig(await (await html(gw, '/explorer')).text());
      expect(JSON.parse(String(config.headers))).toEqual({ 'x-api-key': PLACEHOLDER_KEY });
    } finally {
      await gw.close();
    }
  });

  test('production serves no Sandbox, and its explorer and docs never offer a demo key', async () => {
    const gw = await startGateway({ NODE_ENV: 'production' }, { demoKey: 'lomi_test_demo_key_that_must_not_appear_anywhere_000000' });
    try {
      const landing = await (await html(gw, '/graphql')).text();
      expect(landing).not.toContain('EmbeddedSandbox');
      for (const page of ['/explorer', '/docs']) {
        const body = await (await html(gw, page)).text();
        expect(body).not.toContain('lomi_test_demo_key');
        expect(body).toContain(PLACEHOLDER_KEY);
      }
    } finally {
      await gw.close();
    }
  });
});

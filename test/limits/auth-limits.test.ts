import { generateApiKey } from '../../src/auth/api-keys';
import { ConfigError, loadConfig } from '../../src/config';
import type { GqlResponse, TestGateway } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';

const QUERY = '{ customers(pageSize: 1) { pagination { page } } }';

/** A well-formed key that was never registered: it reaches the database lookup and fails. */
function unknownKey(): string {
  return generateApiKey('lomi', 'test').key;
}

function lookups(gw: TestGateway): number {
  return gw.db.names().filter((name) => name === 'verify_api_key').length;
}

describe('the failed-authentication limit is reserved before the key lookup', () => {
  const { gw } = useGateway({ AUTH_FAILURE_LIMIT: '20' });

  it('400 unknown keys at once from one address: at most AUTH_FAILURE_LIMIT lookups and 401s, the rest 429 RATE_LIMITED', async () => {
    gw.db.reset();
    const responses = await Promise.all(Array.from({ length: 400 }, () => gw.gql(QUERY, undefined, { key: unknownKey() })));
    const statuses = responses.map((response) => response.status);
    const unauthorized = statuses.filter((status) => status === 401).length;
    const limited = responses.filter((response) => response.status === 429);
    expect(unauthorized).toBeLessThanOrEqual(20);
    expect(unauthorized).toBeGreaterThan(0);
    expect(unauthorized + limited.length).toBe(400);
    for (const response of limited) expect(response.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(lookups(gw)).toBeLessThanOrEqual(20);
  });

  it('a valid key gives its reservation back: it never uses up the address', async () => {
    const other = await startGateway({ AUTH_FAILURE_LIMIT: '2' });
    try {
      const tenants = await Promise.all(Array.from({ length: 5 }, () => other.tenantWithKey()));
      for (const { key } of tenants) expect((await other.gql(QUERY, undefined, { key })).status).toBe(200);
      expect((await other.gql(QUERY, undefined, { key: unknownKey() })).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

function expectRefused(response: GqlResponse): void {
  expect(response.status).toBe(429);
  expect(response.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
}

describe('TRUST_PROXY names what to trust, never what the client says', () => {
  it('accepts false, true (one hop), a hop count and proxy addresses or CIDRs, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
    for (const bad of ['everything', '10.0.0.0/33', '300.1.1.1', '11']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
    }
  });

  // The test client stands for a proxy at 127.0.0.1 that appends the real client's address
  // (198.51.100.7) to whatever X-Forwarded-For the client itself wrote.
  for (const trust of ['true', '1', 'loopback', '127.0.0.0/8']) {
    it(`TRUST_PROXY=${trust}: rotating a self-written X-Forwarded-For neither escapes the limit nor locks out the address it names`, async () => {
      const gw = await startGateway({ AUTH_FAILURE_LIMIT: '3', TRUST_PROXY: trust });
      try {
        for (let i = 0; i < 3; i++) {
          const response = await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7` } });
          expect(response.status).toBe(401);
        }
        expectRefused(await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': '203.0.113.99, 198.51.100.7' } }));
        // The addresses the client named are not locked out: 203.0.113.0 behind the same proxy is served.
        const { key } = await gw.tenantWithKey();
        expect((await gw.gql(QUERY, undefined, { key, headers: { 'x-forwarded-for': '203.0.113.0' } })).status).toBe(200);
        expect((await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': '203.0.113.0' } })).status).toBe(401);
      } finally {
        await gw.close();
      }
    });
  }

  it('TRUST_PROXY=2: the client address is two hops from the gateway', async () => {
    const gw = await startGateway({ AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: '2' });
    try {
      // client-written, real client (added by the outer proxy), outer proxy (added by the inner one)
      for (let i = 0; i < 2; i++) {
        expect((await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7, 10.0.0.1` } })).status).toBe(401);
      }
      expectRefused(await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': '203.0.113.50, 198.51.100.7, 10.0.0.1' } }));
      expect((await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': '198.51.100.8, 10.0.0.1' } })).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});

describe('a cached API key stops working at its expires_at', () => {
  it('is refused from the moment it expires, although the cache keeps keys for 30 s', async () => {
    const gw = await startGateway({ AUTH_CACHE_TTL_SECONDS: '30' });
    try {
      const { key: _unused, ...tenant } = await gw.tenantWithKey();
      const expiresAt = new Date(Date.now() + 3_000);
      const key = await gw.keyFor(tenant, 'test', { expiresAt });
      expect((await gw.gql(QUERY, undefined, { key })).status).toBe(200);
      gw.db.reset();
      expect((await gw.gql(QUERY, undefined, { key })).status).toBe(200);
      // Served from the cache: no lookup.
      expect(gw.db.names()).not.toContain('verify_api_key');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 200));
      const expired = await gw.gql(QUERY, undefined, { key });
      expect(expired.status).toBe(401);
      expect(expired.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await gw.close();
    }
  });
});

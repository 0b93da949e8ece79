import type { TestGateway } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';

const APP = 'http://localhost:3000';

const preflight = (gw: TestGateway, path: string, origin: string) =>
  fetch(`${gw.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
  });

function exposed(res: { headers: Headers }): string[] {
  return (res.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
}

describe('browser apps (CORS_ORIGINS=http://localhost:3000)', () => {
  const { gw, tenant } = useGateway({ CORS_ORIGINS: APP });

  test.each(['/graphql', '/customers'])('an allowed preflight to %s is answered with the CORS headers', async (path) => {
    const res = await preflight(gw, path, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-api-key');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  test.each(['/graphql', '/customers'])('a preflight to %s from another origin gets a plain CORS refusal, not a CSRF error', async (path) => {
    const res = await preflight(gw, path, 'http://localhost:3001');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const text = await res.text();
    expect(text).toContain('CORS_ORIGINS');
    expect(text).toContain('http://localhost:3001');
    expect(text.toLowerCase()).not.toContain('csrf');
  });

  test('GraphQL answers expose x-request-id and the rate-limit headers to browser JavaScript', async () => {
    const res = await gw.gql('{ customers(pageSize: 1) { pagination { totalCount } } }', undefined, { key: tenant.key, headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(exposed(res)).toEqual(
      expect.arrayContaining(['x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']),
    );
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  });

  test('REST answers expose them too', async () => {
    const res = await fetch(`${gw.url}/customers`, { headers: { origin: APP, 'x-api-key': tenant.key } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(exposed(res)).toEqual(expect.arrayContaining(['x-request-id', 'x-ratelimit-remaining']));
  });

  test('REST: a preflight may ask for Idempotency-Key and If-Match, and ETag and Conflict-Reason are exposed', async () => {
    const pre = await fetch(`${gw.url}/customers/123e4567-e89b-12d3-a456-426614174000`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'content-type,idempotency-key,if-match,x-api-key' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,idempotency-key,if-match,x-api-key');
    const res = await fetch(`${gw.url}/customers`, {
      method: 'POST',
      headers: { origin: APP, 'x-api-key': tenant.key, 'content-type': 'application/json', 'idempotency-key': `browser-${Date.now()}` },
      body: JSON.stringify({ name: 'From A Browser' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(exposed(res)).toEqual(expect.arrayContaining(['etag', 'conflict-reason']));
  });

  test('a request from an origin not listed gets no CORS headers (the browser hides the answer)', async () => {
    const res = await gw.gql('{ __typename }', undefined, { key: tenant.key, headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
  });
});

describe('without CORS_ORIGINS', () => {
  test('every preflight is refused plainly, and an OPTIONS that is not a preflight is not an error', async () => {
    const gw = await startGateway();
    try {
      const res = await preflight(gw, '/graphql', APP);
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await res.text()).toContain('CORS_ORIGINS');
      const bare = await fetch(`${gw.url}/graphql`, { method: 'OPTIONS' });
      expect(bare.status).toBe(204);
    } finally {
      await gw.close();
    }
  });
});

import { generateApiKey } from '../../src/auth/api-keys';
import type { GqlResponse, TestGateway } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';

const QUERY = '{ customers(pageSize: 1) { pagination { page } } }';

/** A well-formed key that was never registered: it reaches the database lookup and fails. */
function unknownKey(): string {
  return generateApiKey('lomi', 'test').key;
}

describe('request body and batching', () => {
  const { gw } = useGateway({ BODY_LIMIT: '2kb' });

  it('refuses a body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
    const { key } = await gw.tenantWithKey();
    const padding = ' '.repeat(3 * 1024);
    const response = await gw.gql(`{ __typename ${padding} }`, undefined, { key });
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(response.body.errors?.[0].message).toMatch(/limit of 2048 bytes/);
    // Just under the limit is served.
    expect((await gw.gql(`{ __typename ${' '.repeat(1024)} }`, undefined, { key })).status).toBe(200);
  });

  it('refuses a batched (array) request body', async () => {
    const { key } = await gw.tenantWithKey();
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify([{ query: QUERY }, { query: QUERY }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
  });
});

async function failUntilRefused(gw: TestGateway, headers: Record<string, string>, limit: number): Promise<GqlResponse> {
  for (let i = 0; i < limit; i++) {
    const response = await gw.gql(QUERY, undefined, { key: unknownKey(), headers });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  }
  return gw.gql(QUERY, undefined, { key: unknownKey(), headers });
}

function expectRefused(response: GqlResponse): void {
  expect(response.status).toBe(429);
  expect(response.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  expect(response.body.errors?.[0].message).toMatch(/Too many invalid API keys from this address: at most 3 per minute/);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('failed authentications per client address (AUTH_FAILURE_LIMIT)', () => {
  describe('without TRUST_PROXY: the socket address counts, X-Forwarded-For is ignored', () => {
    const { gw } = useGateway({ AUTH_FAILURE_LIMIT: '3', TRUST_PROXY: 'false' });

    it('refuses the address with 429 past the limit, before the database is asked', async () => {
      const { key } = await gw.tenantWithKey();
      // A new X-Forwarded-For on every request must not reset the count.
      let n = 0;
      for (let i = 0; i < 3; i++) {
        const response = await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': `203.0.113.${++n}` } });
        expect(response.status).toBe(401);
      }
      gw.db.reset();
      const refused = await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': `203.0.113.${++n}` } });
      expectRefused(refused);
      // Even a valid key is refused from that address for the rest of the minute, unlooked-up.
      expectRefused(await gw.gql(QUERY, undefined, { key }));
      expect(gw.db.names()).toEqual([]);
    });

    it('does not count a missing key (introspection without a key stays possible)', async () => {
      const other = await startGateway({ AUTH_FAILURE_LIMIT: '3' });
      try {
        for (let i = 0; i < 5; i++) expect((await other.gql(QUERY)).status).toBe(401);
        expect((await other.gql('{ __schema { queryType { name } } }')).status).toBe(200);
        const { key } = await other.tenantWithKey();
        expect((await other.gql(QUERY, undefined, { key })).status).toBe(200);
      } finally {
        await other.close();
      }
    });
  });

  describe('with TRUST_PROXY: the client address comes from X-Forwarded-For', () => {
    const { gw } = useGateway({ AUTH_FAILURE_LIMIT: '3', TRUST_PROXY: 'true' });

    it('counts each forwarded address on its own', async () => {
      expectRefused(await failUntilRefused(gw, { 'x-forwarded-for': '198.51.100.7' }, 3));
      const { key } = await gw.tenantWithKey();
      // Another client behind the same proxy is unaffected.
      expect((await gw.gql(QUERY, undefined, { key, headers: { 'x-forwarded-for': '198.51.100.8' } })).status).toBe(200);
      expect((await gw.gql(QUERY, undefined, { key: unknownKey(), headers: { 'x-forwarded-for': '198.51.100.8' } })).status).toBe(401);
      // From the refused address, a key verified a moment ago (cached, no lookup) still works;
      // a key that would need a lookup is refused.
      expect((await gw.gql(QUERY, undefined, { key, headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(200);
      const { key: fresh } = await gw.tenantWithKey();
      expectRefused(await gw.gql(QUERY, undefined, { key: fresh, headers: { 'x-forwarded-for': '198.51.100.7' } }));
    });
  });
});

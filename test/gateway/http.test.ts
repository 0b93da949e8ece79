import { startGateway, useGateway } from '../helpers/gateway';

describe('HTTP surface', () => {
  const { gw, tenant } = useGateway({ CORS_ORIGINS: 'https://shop.example, https://admin.example' });

  test('GET /health answers while the process runs', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('GET /ready answers when the database does', async () => {
    const res = await fetch(`${gw.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
  });

  test('serves the Apollo Sandbox landing page to browsers outside production', async () => {
    const res = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<!DOCTYPE html>');
    expect(html.toLowerCase()).toContain('sandbox');
  });

  test('answers queries over GET when the CSRF preflight header is present', async () => {
    const query = encodeURIComponent('{ customers { pagination { page pageSize } } }');
    const res = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'x-api-key': tenant.key, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual({ customers: { pagination: { page: 1, pageSize: 50 } } });
  });

  test('refuses a GET without a preflight header (CSRF prevention)', async () => {
    const query = encodeURIComponent('{ customers { pagination { page } } }');
    const res = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'x-api-key': tenant.key } });
    expect(res.status).toBe(400);
  });

  test('refuses mutations over GET', async () => {
    const query = encodeURIComponent('mutation { deleteCustomer(id: "00000000-0000-4000-8000-000000000000") { id } }');
    const res = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'x-api-key': tenant.key, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
  });

  test('echoes a sane x-request-id and replaces an unsafe one', async () => {
    const mine = await gw.gql('{ __typename }', undefined, { key: tenant.key, headers: { 'x-request-id': 'req-42.abc' } });
    expect(mine.headers.get('x-request-id')).toBe('req-42.abc');
    const unsafe = await gw.gql('{ __typename }', undefined, { key: tenant.key, headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${gw.url}/health`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('allows only the configured CORS origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${gw.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
      });
    const allowed = await preflight('https://shop.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const rest = await fetch(`${gw.url}/customers`, { headers: { origin: 'https://admin.example', 'x-api-key': tenant.key } });
    expect(rest.headers.get('access-control-allow-origin')).toBe('https://admin.example');
  });

  test('a malformed JSON body is a 400 with a code, not a crash', async () => {
    const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.key }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  test('a query that does not parse is GRAPHQL_PARSE_FAILED', async () => {
    const res = await gw.gql('{ customers { ', undefined, { key: tenant.key });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  test('a query for an unknown field is GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await gw.gql('{ customers { customers { spiAliasShid } } }', undefined, { key: tenant.key });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('unknown routes are a JSON 404', async () => {
    const res = await fetch(`${gw.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('production mode', () => {
  const { gw } = useGateway({ NODE_ENV: 'production' });

  test('turns introspection off and serves no landing page', async () => {
    const { key } = await gw.tenantWithKey();
    const res = await gw.gql('{ __schema { queryType { name } } }', undefined, { key });
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const page = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('sandbox');
  });

  test('GRAPHQL_INTROSPECTION=true turns it back on', async () => {
    const on = await startGateway({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' });
    try {
      const { key } = await on.tenantWithKey();
      const res = await on.gql('{ __schema { queryType { name } } }', undefined, { key });
      expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await on.close();
    }
  });
});

import { generateApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { postgresDatabase } from '../../src/db/pg-database';
import { memoryDatabase } from '../../src/db/pglite';
import { createLogger } from '../../src/logger';
import type { GatewayServer } from '../../src/server';
import { createServer } from '../../src/server';
import type { Database } from '../../src/db/database';
import type { TestGateway } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';
import { rest } from './helpers';
import { SEED_ERROR_400, SEED_ERROR_401 } from './seed';

const UNKNOWN_ID = '123e4567-e89b-12d3-a456-426614174000';
const notFound = (id: string) => ({ statusCode: 404, message: `Customer with ID ${id} not found or access denied` });
const badRequest = (...message: string[]) => ({ statusCode: 400, message });

/** Every route with a path that reaches it (the id is filled in by the test). */
const ROUTES = [
  { method: 'GET', path: () => '/customers' },
  { method: 'GET', path: (id: string) => `/customers/${id}` },
  { method: 'POST', path: () => '/customers', body: { name: 'X' } },
  { method: 'PATCH', path: (id: string) => `/customers/${id}`, body: { city: 'Dakar' } },
  { method: 'DELETE', path: (id: string) => `/customers/${id}` },
  { method: 'GET', path: (id: string) => `/customers/${id}/transactions` },
] as const;

const { gw, tenant } = useGateway();

async function create(body: Record<string, unknown>, key = tenant.key): Promise<string> {
  const response = await rest(gw, 'POST', '/customers', { key, body });
  expect(response.status).toBe(201);
  return String((response.body as Record<string, unknown>).customer_id);
}

describe('401', () => {
  test.each(ROUTES.map((route) => [`${route.method} ${route.path(':id')}`, route] as const))('%s without a key: API key is missing', async (_name, route) => {
    const response = await rest(gw, route.method, route.path(UNKNOWN_ID), { body: 'body' in route ? route.body : undefined });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ statusCode: 401, message: 'API key is missing' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  test.each(ROUTES.map((route) => [`${route.method} ${route.path(':id')}`, route] as const))('%s with a wrong key: Invalid API key', async (_name, route) => {
    const unknown = generateApiKey('lomi', 'test').key;
    const response = await rest(gw, route.method, route.path(UNKNOWN_ID), { key: unknown, body: 'body' in route ? route.body : undefined });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(SEED_ERROR_401);
  });

  test('a key of the wrong shape, and the key checked before the body', async () => {
    expect((await rest(gw, 'GET', '/customers', { key: 'your-api-key' })).body).toEqual(SEED_ERROR_401);
    const response = await rest(gw, 'POST', '/customers', { body: { email: 'nope', foo: 1 } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ statusCode: 401, message: 'API key is missing' });
  });
});

describe('404', () => {
  let foreignId: string;
  let deletedId: string;
  beforeAll(async () => {
    const other = await gw.tenantWithKey();
    foreignId = await create({ name: 'Someone else' }, other.key);
    deletedId = await create({ name: 'Gone' });
    expect((await rest(gw, 'DELETE', `/customers/${deletedId}`, { key: tenant.key })).status).toBe(200);
  });

  test.each(ROUTES.filter((route) => route.path('x') !== '/customers').map((route) => [`${route.method} ${route.path(':id')}`, route] as const))(
    '%s for a missing, a foreign and a deleted customer',
    async (_name, route) => {
      for (const id of [UNKNOWN_ID, foreignId, deletedId]) {
        const response = await rest(gw, route.method, route.path(id), { key: tenant.key, body: 'body' in route ? route.body : undefined });
        expect(response.status).toBe(404);
        expect(response.body).toEqual(notFound(id));
      }
    },
  );

  test('a second delete', async () => {
    const id = await create({ name: 'Twice' });
    expect((await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key })).status).toBe(200);
    expect((await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key })).body).toEqual(notFound(id));
  });
});

describe('400: bodies', () => {
  const post = (body: unknown) => rest(gw, 'POST', '/customers', { key: tenant.key, body });

  test('the seed example: email must be an email', async () => {
    const response = await post({ name: 'John Doe', email: 'not-an-email' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(SEED_ERROR_400);
  });

  test('REST field names in rule messages', async () => {
    expect((await post({ name: 'A', phone_number: '221771234567' })).body).toEqual(badRequest('phone_number must be an E.164 phone number'));
    expect((await post({ name: 'A', whatsapp_number: '+0' })).body).toEqual(badRequest('whatsapp_number must be an E.164 phone number'));
    expect((await post({ name: 'A', postal_code: 'x'.repeat(21) })).body).toEqual(
      badRequest('postal_code must be shorter than or equal to 20 characters'),
    );
    expect((await post({ name: 'A', metadata: { a: 1, nested: { b: { c: { d: { e: { f: 1 } } } } } } })).body).toEqual(
      badRequest('metadata must be nested at most 5 levels deep'),
    );
  });

  test('one message per failing field, all fields at once', async () => {
    const response = await post({ name: '  ', email: 'x', phone_number: 'call me', is_business: 'yes', metadata: [1], foo: 1 });
    expect(response.status).toBe(400);
    const { message } = response.body as { message: string[] };
    expect([...message].sort()).toEqual(
      [
        'property foo should not exist',
        'is_business must be a boolean value',
        'metadata must be a JSON object',
        'name must not be blank',
        'email must be an email',
        'phone_number must be an E.164 phone number',
      ].sort(),
    );
  });

  test('wrong JSON types', async () => {
    expect((await post({ name: 'A', is_business: 'yes' })).body).toEqual(badRequest('is_business must be a boolean value'));
    expect((await post({ name: 42 })).body).toEqual(badRequest('name must be a string'));
    expect((await post({ name: 'A', email: ['a@b.co'] })).body).toEqual(badRequest('email must be a string'));
    expect((await post({ name: 'A', metadata: 'x' })).body).toEqual(badRequest('metadata must be a JSON object'));
    expect((await post({})).body).toEqual(badRequest('name must be a string'));
    expect((await post({ name: null })).body).toEqual(badRequest('name must be a string'));
    expect((await post([{ name: 'A' }])).body).toEqual(badRequest('body must be a JSON object'));
  });

  test('unknown fields, including GraphQL names', async () => {
    expect((await post({ name: 'A', phoneNumber: '+221771234567' })).body).toEqual(badRequest('property phoneNumber should not exist'));
    expect((await post({ name: 'A', customer_id: UNKNOWN_ID })).body).toEqual(badRequest('property customer_id should not exist'));
    expect((await post(JSON.parse('{"name":"A","__proto__":{"x":1}}'))).body).toEqual(badRequest('property __proto__ should not exist'));
  });

  test('malformed JSON, no JSON, other encodings, too large', async () => {
    const malformed = await rest(gw, 'POST', '/customers', { key: tenant.key, raw: '{"name": "A",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(badRequest('body must be valid JSON'));
    expect((await rest(gw, 'PATCH', `/customers/${UNKNOWN_ID}`, { key: tenant.key, raw: 'null' })).body).toEqual(badRequest('body must be valid JSON'));
    const text = await rest(gw, 'POST', '/customers', { key: tenant.key, raw: 'name=A', headers: { 'content-type': 'text/plain' } });
    expect(text.body).toEqual(badRequest('body must be a JSON object'));
    const latin1 = await rest(gw, 'POST', '/customers', { key: tenant.key, raw: '{"name":"A"}', headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin1.status).toBe(415);
    expect(latin1.body).toEqual({ statusCode: 415, message: 'The request body must be UTF-8 JSON' });
    const big = await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'A', address: 'x'.repeat(200_000) } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ statusCode: 413 });
  });

  test('PATCH: name and is_business cannot be null; rules as in POST', async () => {
    const id = await create({ name: 'Patch me' });
    const patch = (body: unknown) => rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body });
    expect((await patch({ name: null })).body).toEqual(badRequest('name cannot be null'));
    expect((await patch({ is_business: null })).body).toEqual(badRequest('is_business cannot be null'));
    expect((await patch({ email: 'x', extra: true })).body).toEqual(badRequest('property extra should not exist', 'email must be an email'));
    expect((await patch({ phone_number: 'x' })).body).toEqual(badRequest('phone_number must be an E.164 phone number'));
  });
});

describe('400: ids and query parameters', () => {
  test.each(ROUTES.filter((route) => route.path('x') !== '/customers').map((route) => [`${route.method} ${route.path(':id')}`, route] as const))(
    '%s with a malformed id',
    async (_name, route) => {
      const response = await rest(gw, route.method, route.path('not-a-uuid'), { key: tenant.key, body: 'body' in route ? route.body : undefined });
      expect(response.status).toBe(400);
      expect(response.body).toEqual(badRequest('id must be a UUID'));
    },
  );

  test.each([
    ['pageSize=201', ['pageSize must not be greater than 200']],
    ['pageSize=0', ['pageSize must not be less than 1']],
    ['pageSize=99999999999', ['pageSize must not be greater than 200']],
    ['pageSize=-5', ['pageSize must not be less than 1']],
    ['page=99999999999', ['page must not be greater than 100000']],
    ['page=0', ['page must not be less than 1']],
    ['page=abc', ['page must be an integer number']],
    ['page=1.5', ['page must be an integer number']],
    ['page=1&page=2', ['page must be an integer number']],
    ['type=robots', ['type must be one of the following values: business, individual, all']],
    ['type=BUSINESS', ['type must be one of the following values: business, individual, all']],
    ['status=dormant', ['status must be one of the following values: active, inactive, all']],
    ['type=robots&pageSize=500', ['type must be one of the following values: business, individual, all', 'pageSize must not be greater than 200']],
    [`search=${'x'.repeat(201)}`, ['search must be shorter than or equal to 200 characters']],
  ])('GET /customers?%s', async (query, message) => {
    const response = await rest(gw, 'GET', `/customers?${query}`, { key: tenant.key });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, message });
  });
});

describe('nothing a client sends gives a 500', () => {
  test.each([
    ['GET', '/customers/%E0%A4%A'],
    ['GET', '/customers/%00'],
    ['GET', `/customers/${'a'.repeat(5000)}`],
    ['GET', '/customers/123e4567-e89b-12d3-a456-42661417400%C3%A9'],
    ['GET', '/customers?search=%00'],
    ['GET', '/customers?search[a]=b'],
    ['GET', '/customers?page=-99999999999'],
    ['PATCH', `/customers/${UNKNOWN_ID}`],
    ['DELETE', '/customers/%20'],
  ])('%s %s', async (method, path) => {
    const response = await rest(gw, method, path, { key: tenant.key, body: method === 'PATCH' ? { metadata: { ['k'.repeat(41)]: 1 } } : undefined });
    expect(response.status).toBeLessThan(500);
    // unknown parameters such as search[a] are ignored (200); every refusal is in the seed shape
    if (response.status >= 400) expect(response.body).toMatchObject({ statusCode: response.status });
  });

  test('a method a path does not have: 405 with Allow', async () => {
    const response = await rest(gw, 'PUT', '/customers', { key: tenant.key, body: { name: 'A' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(response.body).toEqual({ statusCode: 405, message: 'Method PUT is not allowed on /customers' });
  });
});

describe('429 from the GraphQL layer', () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await startGateway({ RATE_LIMIT_MAX: '2', AUTH_FAILURE_LIMIT: '2', MAX_QUERY_COMPLEXITY: '4000' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  test('past the tenant budget: 429 with Retry-After, in the seed shape', async () => {
    const { key } = await limited.tenantWithKey();
    for (let i = 0; i < 2; i += 1) expect((await rest(limited, 'GET', '/customers', { key })).status).toBe(200);
    const response = await rest(limited, 'GET', '/customers', { key });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.body).toEqual({ statusCode: 429, message: expect.any(String) });
    // REST and GraphQL spend the same budget
    const gql = await limited.gql('{ customers { pagination { page } } }', undefined, { key });
    expect(gql.status).toBe(429);
  });

  test('a page costlier than MAX_QUERY_COMPLEXITY: 400 before any budget is spent', async () => {
    const { key } = await limited.tenantWithKey();
    const response = await rest(limited, 'GET', '/customers?pageSize=200', { key });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, message: [expect.stringMatching(/^The query costs \d+; the maximum is 4000/)] });
    // the refused request spent nothing: two more pages fit the budget of 2
    for (let i = 0; i < 2; i += 1) expect((await rest(limited, 'GET', '/customers?pageSize=10', { key })).status).toBe(200);
  });

  test('invalid keys over REST count toward the per-address limit like GraphQL ones', async () => {
    for (let i = 0; i < 2; i += 1) {
      expect((await rest(limited, 'GET', `/customers/${UNKNOWN_ID}`, { key: generateApiKey('lomi', 'test').key })).status).toBe(401);
    }
    const response = await rest(limited, 'POST', '/customers', { key: generateApiKey('lomi', 'test').key, body: { name: 'A' } });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.body).toEqual({ statusCode: 429, message: expect.any(String) });
  });
});

/** A real gateway over a database that fails in a given way (not a mock: real connections). */
async function gatewayOver(db: Database): Promise<{ url: string; server: GatewayServer }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const server = await createServer({ config, db, logger: createLogger('silent') });
  const address = await server.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe('503 and 500', () => {
  test('the database is unreachable: 503', async () => {
    // nothing listens on port 1
    const db = postgresDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/none', statementTimeoutMs: 1000, poolSize: 1 });
    const down = await gatewayOver(db);
    try {
      const response = await fetch(`${down.url}/customers`, { headers: { 'x-api-key': generateApiKey('lomi', 'test').key } });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ statusCode: 503, message: expect.stringMatching(/unavailable/) });
    } finally {
      await down.server.stop();
      await db.close();
    }
  });

  test('a server-side failure is masked: 500 Internal server error, details only in the logs', async () => {
    // an embedded database without the migrations: every domain function is missing
    const db = await memoryDatabase();
    const broken = await gatewayOver(db);
    try {
      const response = await fetch(`${broken.url}/customers`, { headers: { 'x-api-key': generateApiKey('lomi', 'test').key } });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
      expect(response.headers.get('x-request-id')).toBeTruthy();
    } finally {
      await broken.server.stop();
      await db.close();
    }
  });
});

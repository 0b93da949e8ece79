import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { addCustomer, addTransaction, minutesAgo } from '../helpers/customers';
import type { TestTenant } from '../helpers/tenants';
import { asArray, asRecord, rest } from './helpers';

let gw: TestGateway;
let tenant: TestTenant & { key: string };
let openapi: Record<string, unknown>;

beforeAll(async () => {
  gw = await startGateway();
  tenant = await gw.tenantWithKey();
  openapi = asRecord((await rest(gw, 'GET', '/openapi.json')).body);
});

afterAll(async () => {
  await gw?.close();
});

const get = async (path: string, key = tenant.key) => rest(gw, 'GET', path, { key });

/**
 * Validates a body against a schema of the served document with ajv (JSON Schema 2020-12, as
 * OpenAPI 3.1 uses, with formats), so types, required and extra keys, enums, patterns, lengths
 * and formats are all checked. Returns the errors, empty when the body matches.
 */
function schemaErrors(value: unknown, schema: unknown): string[] {
  const ref = asRecord(schema).$ref;
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(openapi, OPENAPI_ID);
  }
  const validate = ajv.compile(typeof ref === 'string' ? { $ref: `${OPENAPI_ID}${ref}` } : asRecord(schema));
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '$'} ${error.message ?? error.keyword}`);
}

const OPENAPI_ID = 'openapi.json';
let ajv: Ajv2020 | undefined;

/** The documented schema of a route's response with this status. */
function responseSchema(path: string, method: string, status: number): unknown {
  const paths = asRecord(openapi.paths);
  let response = asRecord(asRecord(asRecord(asRecord(paths[path])[method]).responses)[String(status)]);
  if (typeof response.$ref === 'string') response = asRecord(asRecord(asRecord(openapi.components).responses)[response.$ref.split('/').pop() ?? '']);
  return asRecord(asRecord(response.content)['application/json']).schema;
}

describe('GET /customers', () => {
  let t: TestTenant & { key: string };
  beforeAll(async () => {
    t = await gw.tenantWithKey();
    for (let i = 0; i < 7; i += 1) {
      const c = await addCustomer(gw.db.inner, t, { name: `Person ${i}`, email: `p${i}@example.com`, is_business: i % 2 === 0 });
      if (i < 3) await addTransaction(gw.db.inner, t, c.customer_id, { status: i === 2 ? 'refunded' : 'completed' });
    }
    await addCustomer(gw.db.inner, t, { name: 'Acme SARL', email: 'billing@acme.sn', is_business: true });
  });

  test('defaults, pages and totals', async () => {
    const first = await get('/customers', t.key);
    expect(first.status).toBe(200);
    expect(schemaErrors(first.body, responseSchema('/customers', 'get', 200))).toEqual([]);
    expect(asRecord(first.body).pagination).toEqual({ page: 1, pageSize: 50, totalCount: 8, totalPages: 1 });
    const second = asRecord((await get('/customers?page=2&pageSize=3', t.key)).body);
    expect(second.pagination).toEqual({ page: 2, pageSize: 3, totalCount: 8, totalPages: 3 });
    expect(asArray(second.customers)).toHaveLength(3);
  });

  test('search, type and status with the seed values', async () => {
    const names = async (query: string) => asArray(asRecord((await get(`/customers?${query}`, t.key)).body).customers).map((c) => asRecord(c).name);
    expect(await names('search=ACME')).toEqual(['Acme SARL']);
    expect(await names('search=billing@')).toEqual(['Acme SARL']);
    expect((await names('type=business')).sort()).toEqual(['Acme SARL', 'Person 0', 'Person 2', 'Person 4', 'Person 6']);
    expect((await names('type=individual')).sort()).toEqual(['Person 1', 'Person 3', 'Person 5']);
    expect((await names('status=active')).sort()).toEqual(['Person 0', 'Person 1', 'Person 2']);
    expect(await names('status=inactive')).toHaveLength(5);
    expect(await names('status=all&type=all')).toHaveLength(8);
    expect(await names('type=individual&status=active')).toEqual(['Person 1']);
    expect(await names('search=&unknown=1')).toHaveLength(8);
  });

  test("a test key does not see live customers, nor another organization's", async () => {
    const live = await gw.keyFor(t, 'live');
    expect(asRecord((await get('/customers', live)).body).pagination).toMatchObject({ totalCount: 0 });
    expect(asRecord((await get('/customers', tenant.key)).body).customers).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ organization_id: t.organizationId })]),
    );
  });
});

describe('POST and PATCH', () => {
  test('POST: every field, trimmed; 201 with the documented shape', async () => {
    const response = await rest(gw, 'POST', '/customers', {
      key: tenant.key,
      body: {
        name: '  Awa Ndiaye ',
        email: 'awa@example.sn',
        phone_number: '+221771234567',
        whatsapp_number: '+221771234568',
        country: 'Senegal',
        city: 'Thiès',
        address: '1 Rue A',
        postal_code: '21000',
        is_business: true,
        metadata: { tier: 'gold', tags: ['a'] },
      },
    });
    expect(response.status).toBe(201);
    expect(schemaErrors(response.body, responseSchema('/customers', 'post', 201))).toEqual([]);
    expect(response.body).toMatchObject({ name: 'Awa Ndiaye', city: 'Thiès', is_business: true, metadata: { tier: 'gold', tags: ['a'] }, environment: 'test' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  test('POST answers 201 with a Location that GET reads back', async () => {
    const response = await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Kwame Asante' } });
    expect(response.status).toBe(201);
    const id = String(asRecord(response.body).customer_id);
    expect(response.headers.get('location')).toBe(`/customers/${id}`);
    const again = await rest(gw, 'GET', String(response.headers.get('location')), { key: tenant.key });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(response.body);
  });

  test('PATCH: absent keeps, null clears, metadata is replaced whole, {} changes nothing', async () => {
    const created = asRecord(
      (await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Moussa', email: 'm@example.sn', city: 'Dakar', metadata: { a: 1 } } })).body,
    );
    const id = String(created.customer_id);
    const patch = async (body: unknown) => asRecord((await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body })).body);
    expect(await patch({ email: null, metadata: { b: 2 } })).toMatchObject({ name: 'Moussa', email: null, city: 'Dakar', metadata: { b: 2 } });
    expect(await patch({ is_business: true, city: null })).toMatchObject({ email: null, city: null, is_business: true, metadata: { b: 2 } });
    const unchanged = await patch({});
    expect(unchanged).toMatchObject({ name: 'Moussa', is_business: true, metadata: { b: 2 } });
    expect(asRecord((await get(`/customers/${id.toUpperCase()}`)).body)).toEqual(unchanged);
  });
});

describe('GET /customers/:id/transactions', () => {
  test('all settled transactions, newest first, past the GraphQL field cap of 100', async () => {
    const customer = await addCustomer(gw.db.inner, tenant, { name: 'Big spender' });
    for (let i = 0; i < 130; i += 1) {
      await addTransaction(gw.db.inner, tenant, customer.customer_id, {
        amount: 1000 + i + 0.5,
        status: i % 10 === 0 ? 'refunded' : 'completed',
        createdAt: minutesAgo(200 - i),
      });
    }
    await addTransaction(gw.db.inner, tenant, customer.customer_id, { status: 'pending', createdAt: minutesAgo(1) });
    await addTransaction(gw.db.inner, tenant, customer.customer_id, { status: 'failed', createdAt: minutesAgo(1) });
    const response = await get(`/customers/${customer.customer_id}/transactions`);
    expect(response.status).toBe(200);
    expect(schemaErrors(response.body, responseSchema('/customers/{id}/transactions', 'get', 200))).toEqual([]);
    const list = asArray(response.body).map(asRecord);
    expect(list).toHaveLength(130);
    expect(list[0]).toMatchObject({ gross_amount: 1129.5, status: 'completed', currency_code: 'XOF', created_at: minutesAgo(71).toISOString() });
    expect(list[129]).toMatchObject({ gross_amount: 1000.5, status: 'refunded' });
    const times = list.map((tx) => Date.parse(String(tx.created_at)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test('a customer without transactions: an empty list', async () => {
    const customer = await addCustomer(gw.db.inner, tenant, { name: 'New' });
    expect((await get(`/customers/${customer.customer_id}/transactions`)).body).toEqual([]);
  });
});

describe('GET /openapi.json', () => {
  test('an OpenAPI 3.1 document, public, with the x-api-key scheme', () => {
    expect(openapi.openapi).toBe('3.1.0');
    expect(asRecord(asRecord(openapi.components).securitySchemes)).toEqual({ ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } });
    expect(openapi.security).toEqual([{ ApiKey: [] }]);
  });

  test('has servers: the gateway serving it, so tools resolve the paths against it', async () => {
    expect(openapi.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const url = new URL(String((openapi.servers as { url: string }[])[0].url) + 'customers', `${gw.url}/openapi.json`);
    expect((await fetch(url, { headers: { 'x-api-key': tenant.key } })).status).toBe(200);
  });

  test('documents the Location header of POST /customers', () => {
    const post = asRecord(asRecord(asRecord(openapi.paths)['/customers']).post);
    expect(Object.keys(asRecord(asRecord(asRecord(post.responses)['201']).headers))).toContain('Location');
  });

  test('documents Idempotency-Key, ETag, If-Match, 409, 412 and the restore route', () => {
    const paths = asRecord(openapi.paths);
    const operation = (path: string, method: string) => asRecord(asRecord(paths[path])[method]);
    const headerParameters = (path: string, method: string) =>
      asArray(operation(path, method).parameters).map(asRecord).filter((p) => p.in === 'header');
    const [key] = headerParameters('/customers', 'post');
    expect(key).toMatchObject({ name: 'Idempotency-Key', required: false, schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' } });
    expect(String(key.description)).toMatch(/createCustomer/);
    for (const method of ['patch', 'delete']) {
      expect(headerParameters('/customers/{id}', method)).toEqual([expect.objectContaining({ name: 'If-Match', required: false, schema: expect.objectContaining({ type: 'string' }) })]);
      expect(Object.keys(asRecord(operation('/customers/{id}', method).responses))).toEqual(expect.arrayContaining(['409', '412']));
    }
    expect(Object.keys(asRecord(operation('/customers', 'post').responses))).toEqual(expect.arrayContaining(['201', '404', '409']));
    const withEtag = [
      ['/customers', 'post', '201'],
      ['/customers/{id}', 'get', '200'],
      ['/customers/{id}', 'patch', '200'],
      ['/customers/{id}/restore', 'post', '200'],
    ];
    for (const [path, method, status] of withEtag) {
      expect([path, method, Object.keys(asRecord(asRecord(asRecord(operation(path, method).responses)[status]).headers))]).toEqual([path, method, expect.arrayContaining(['ETag'])]);
    }
    expect(operation('/customers/{id}/restore', 'post')).toMatchObject({ operationId: 'restoreCustomer', 'x-graphql-field': 'Mutation.restoreCustomer' });
    const responses = asRecord(asRecord(openapi.components).responses);
    expect(Object.keys(asRecord(asRecord(responses.Conflict).headers))).toContain('Conflict-Reason');
    expect(String(asRecord(responses.PreconditionFailed).description)).toMatch(/current version/);
    expect(String(asRecord(openapi.info).description)).toMatch(/Retrying/);
  });

  test('the If-Match pattern admits what the server takes and nothing it refuses', () => {
    const parameter = asArray(asRecord(asRecord(asRecord(openapi.paths)['/customers/{id}']).patch).parameters).map(asRecord).find((p) => p.name === 'If-Match');
    const pattern = new RegExp(String(asRecord(parameter?.schema).pattern));
    expect(['*', '"1"', '"42"'].map((v) => pattern.test(v))).toEqual([true, true, true]);
    expect(['1', 'W/"1"', '"0"', '"abc"', '"1", "2"', ''].map((v) => pattern.test(v))).toEqual([false, false, false, false, false, false]);
  });

  test('every route of the router is in the document, and every documented operation is a route', () => {
    interface Layer {
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: Layer[] };
    }
    const walk = (stack: Layer[]): Layer[][] =>
      stack.flatMap((layer) => (layer.route ? [] : layer.handle?.stack ? [layer.handle.stack, ...walk(layer.handle.stack)] : []));
    const app = gw.server.app as unknown as { router: { stack: Layer[] } };
    // the REST router: the mounted router that serves /openapi.json
    const restStack = walk(app.router.stack).find((stack) => stack.some((layer) => layer.route?.path === '/openapi.json'));
    expect(restStack).toBeDefined();
    const routed = (restStack ?? [])
      .filter((layer) => layer.route)
      .flatMap((layer) =>
        Object.keys(layer.route?.methods ?? {})
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${(layer.route?.path ?? '').replace(/:(\w+)/g, '{$1}')}`),
      )
      .sort();
    const documented = Object.entries(asRecord(openapi.paths))
      .flatMap(([path, item]) => Object.keys(asRecord(item)).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(routed).toEqual(documented);
    expect(documented).toHaveLength(9);
  });

  test('every $ref resolves', () => {
    const refs: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === 'object' && node !== null) {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else collect(v);
        }
      }
    };
    collect(openapi);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.replace('#/', '').split('/').reduce<unknown>((node, part) => (node ? asRecord(node)[part] : undefined), openapi);
      expect([ref, target !== undefined]).toEqual([ref, true]);
    }
  });

  test('responses and errors match their documented schemas', async () => {
    const created = await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Doc' } });
    const id = String(asRecord(created.body).customer_id);
    const cases: [string, string, string, number, unknown][] = [
      ['/customers/{id}', 'get', `/customers/${id}`, 200, (await get(`/customers/${id}`)).body],
      ['/customers/{id}', 'get', '/customers/x', 400, (await get('/customers/x')).body],
      ['/customers/{id}', 'get', '', 401, (await get(`/customers/${id}`, 'lomi_test_nope')).body],
      ['/customers/{id}', 'get', '', 404, (await get('/customers/123e4567-e89b-12d3-a456-426614174000')).body],
      ['/customers/{id}', 'patch', '', 412, (await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: {}, headers: { 'If-Match': '"9"' } })).body],
      ['/customers/{id}', 'delete', '', 200, (await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key })).body],
      ['/customers/{id}/restore', 'post', '', 200, (await rest(gw, 'POST', `/customers/${id}/restore`, { key: tenant.key })).body],
      ['/customers/{id}/restore', 'post', '', 404, (await rest(gw, 'POST', '/customers/123e4567-e89b-12d3-a456-426614174000/restore', { key: tenant.key })).body],
    ];
    const key = `doc-${id}`;
    await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Doc Key' }, headers: { 'Idempotency-Key': key } });
    cases.push(['/customers', 'post', '', 409, (await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Doc Key 2' }, headers: { 'Idempotency-Key': key } })).body]);
    for (const [path, method, , status, body] of cases) {
      expect([path, method, status, schemaErrors(body, responseSchema(path, method, status))]).toEqual([path, method, status, []]);
    }
  });
});

describe('the schema check itself', () => {
  test('refuses what the document does not allow: a wrong format, pattern or length, an extra key', async () => {
    const created = asRecord((await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Control' } })).body);
    const customer = responseSchema('/customers', 'post', 201);
    expect(schemaErrors(created, customer)).toEqual([]);
    expect(schemaErrors({ ...created, customer_id: 'not-a-uuid' }, customer)).toEqual(['/customer_id must match format "uuid"']);
    expect(schemaErrors({ ...created, extra: 1 }, customer)).toEqual(['$ must NOT have additional properties']);
    const body = asRecord(asRecord(asRecord(openapi.components).schemas).CreateCustomerBody);
    expect(schemaErrors({ name: 'A', phone_number: '221771234567' }, body)).toEqual(['/phone_number must match pattern "^\\+[1-9]\\d{6,14}$"']);
    expect(schemaErrors({ name: 'x'.repeat(201) }, body)).toEqual(['/name must NOT have more than 200 characters']);
    expect(schemaErrors({ name: 'A', email: 'nope' }, body)).toEqual(['/email must match format "email"']);
  });
});

describe('GET /customers/changes', () => {
  /** Follows the feed until hasMore is false; on a shared PostgreSQL server, until `done` (another client's open transaction can delay a change). */
  async function syncAll(key: string, since: string | null, done: (ids: string[]) => boolean): Promise<{ changes: Record<string, unknown>[]; cursor: string }> {
    const changes: Record<string, unknown>[] = [];
    let cursor = since;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await get(`/customers/changes?first=2${cursor ? `&since=${encodeURIComponent(cursor)}` : ''}`, key);
      expect(res.status).toBe(200);
      expect(schemaErrors(res.body, responseSchema('/customers/changes', 'get', 200))).toEqual([]);
      const body = asRecord(res.body);
      changes.push(...asArray(body.changes).map(asRecord));
      cursor = String(body.cursor);
      if (body.hasMore === false && (done(changes.map((c) => String(c.id))) || Date.now() > deadline)) return { changes, cursor };
      if (body.hasMore === false) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('the same feed as GraphQL\'s customerChanges, with REST\'s customer shape; cursors work in both', async () => {
    const t = await gw.tenantWithKey();
    const a = await addCustomer(gw.db.inner, t, { name: 'Feed A', email: 'a@example.com' });
    const b = await addCustomer(gw.db.inner, t, { name: 'Feed B' });
    const c = await addCustomer(gw.db.inner, t, { name: 'Feed C' });
    const start = await syncAll(t.key, null, (ids) => ids.includes(c.customer_id));
    expect(start.changes.map((change) => change.id)).toEqual([a.customer_id, b.customer_id, c.customer_id]);
    expect(asRecord(start.changes[0].customer)).toMatchObject({ customer_id: a.customer_id, name: 'Feed A', email: 'a@example.com' });

    expect((await rest(gw, 'DELETE', `/customers/${b.customer_id}`, { key: t.key })).status).toBe(200);
    const after = await syncAll(t.key, start.cursor, (ids) => ids.includes(b.customer_id));
    expect(after.changes).toEqual([{ id: b.customer_id, deleted: true, changedAt: expect.stringMatching(/Z$/), customer: null }]);

    // GraphQL takes the REST cursor (and gives nothing new)
    const res = await gw.gql<{ customerChanges: { changes: unknown[]; hasMore: boolean } }>(
      'query ($since: String) { customerChanges(since: $since) { changes { id } hasMore } }',
      { since: after.cursor },
      { key: t.key },
    );
    expect(res.body.data?.customerChanges).toEqual({ changes: [], hasMore: false });
  });

  test('a foreign or changed cursor, and first outside 1-1000, are 400', async () => {
    const t = await gw.tenantWithKey();
    const mine = asRecord((await get('/customers/changes', t.key)).body).cursor as string;
    for (const [query, message] of [
      [`since=${encodeURIComponent(mine)}`, 'cursor does not match this query'],
      ['since=abc', 'cursor does not match this query'],
      ['first=0', 'first must be between 1 and 1000'],
      ['first=1001', 'first must be between 1 and 1000'],
      ['first=ten', 'first must be an integer number'],
    ]) {
      const res = await get(`/customers/changes?${query}`);
      expect({ query, status: res.status, body: res.body }).toEqual({ query, status: 400, body: { statusCode: 400, message: [message] } });
    }
  });
});

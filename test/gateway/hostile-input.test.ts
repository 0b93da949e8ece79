import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { FuzzRequest } from '../../fuzz/transport';
import { exchange } from '../../fuzz/transport';
import { useGateway } from '../helpers/gateway';
import { rest } from '../rest/helpers';

/**
 * Inputs a fuzzer found to crash the request path: each is refused with a field error (GraphQL
 * BAD_USER_INPUT, REST 400 in the seed's shape), never a 500 or an internal error, and never
 * logged as one.
 */
const CREATE = 'mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id name email metadata } }';
const UPDATE = 'mutation Update($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id name } }';
const SEARCH = 'query Search($search: String) { customers(search: $search) { customers { id } } }';

const logLines: string[] = [];
const { gw, tenant } = useGateway({}, { logLines });
let customerId: string;

/** Log lines at error level or above (pino: 50 error, 60 fatal). */
function errorLogs(): unknown[] {
  return logLines.map((line) => JSON.parse(line) as { level: number }).filter((line) => line.level >= 50);
}

beforeAll(async () => {
  const created = await gw.gql<{ createCustomer: { id: string } }>(CREATE, { input: { name: 'Existing' } }, { key: tenant.key });
  customerId = created.body.data?.createCustomer.id as string;
});

afterEach(() => {
  const logged = errorLogs();
  logLines.length = 0;
  expect(logged).toEqual([]);
});

/**
 * Metadata nested `depth` levels (the object itself is the first), as JSON text: JSON.stringify
 * cannot write such a value (it recurses), so the test writes the text itself.
 */
function deepMetadata(kind: string, depth: number): string {
  if (kind === 'arrays') return `{"deep":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  return `{"deep":${'{"a":'.repeat(depth - 2)}{}${'}'.repeat(depth - 2)}}`;
}

/** A GraphQL request whose variables are given as JSON text. */
async function gqlText(query: string, variablesJson: string) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': tenant.key },
    body: `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`,
  });
  return { status: response.status, body: (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

function expectFieldError(response: { status: number; body: { errors?: { message: string; extensions?: Record<string, unknown> }[] } }, field: string, message: string): void {
  expect(response.status).toBe(200);
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', validationErrors: [{ field, message }] } });
}

describe('metadata nested thousands of levels deep is a field error, never a stack overflow', () => {
  const TOO_DEEP = 'metadata must be nested at most 5 levels deep';

  test.each([
    ['arrays', 5_000],
    ['arrays', 30_000],
    ['objects', 5_000],
  ])('GraphQL: %s %d levels deep in create and update', async (kind, depth) => {
    const metadata = deepMetadata(kind, depth);
    expectFieldError(await gqlText(CREATE, `{"input":{"name":"Deep","metadata":${metadata}}}`), 'metadata', TOO_DEEP);
    expectFieldError(await gqlText(UPDATE, `{"id":"${customerId}","input":{"metadata":${metadata}}}`), 'metadata', TOO_DEEP);
  });

  test.each([
    ['arrays', 5_000],
    ['arrays', 30_000],
    ['objects', 5_000],
  ])('REST: %s %d levels deep in POST and PATCH: 400 in the seed shape', async (kind, depth) => {
    const metadata = deepMetadata(kind, depth);
    for (const [method, path] of [['POST', '/customers'], ['PATCH', `/customers/${customerId}`]]) {
      const response = await rest(gw, method, path, { key: tenant.key, raw: `{"name":"Deep","metadata":${metadata}}` });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ statusCode: 400, message: [TOO_DEEP] });
    }
  });

  test('five levels are still accepted', async () => {
    const metadata = { deep: [[[{ five: 5 }]]] };
    const response = await gw.gql<{ createCustomer: { metadata: unknown } }>(CREATE, { input: { name: 'Five', metadata } }, { key: tenant.key });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createCustomer.metadata).toEqual(metadata);
    expectFieldError(await gw.gql(CREATE, { input: { name: 'Six', metadata: { deep: [[[{ six: [] }]]] } } }, { key: tenant.key }), 'metadata', TOO_DEEP);
  });
});

describe('text that is not valid Unicode is refused with a field error, never changed or crashing', () => {
  const SURROGATE = (field: string) => `${field} must be valid Unicode text (it has an unpaired surrogate)`;
  const NUL = (field: string) => `${field} must not contain NUL (U+0000) characters`;

  test.each([
    ['email', '\ud800'],
    ['email', 'a\udc00@example.com'],
    ['name', 'Ana\ud800'],
    ['name', '\udfff\ud800'],
    ['city', 'Dakar\ud83d'],
    ['postalCode', '\ud800'],
    ['phoneNumber', '+22177\ud800'],
  ])('GraphQL create: a lone surrogate in %s', async (field, value) => {
    const response = await gw.gql(CREATE, { input: { name: 'Someone', [field]: value } }, { key: tenant.key });
    expectFieldError(response, field, SURROGATE(field));
  });

  test('GraphQL: update, search, ids and metadata keys and values', async () => {
    expectFieldError(await gw.gql(UPDATE, { id: customerId, input: { name: 'x\ud800' } }, { key: tenant.key }), 'name', SURROGATE('name'));
    expectFieldError(await gw.gql(UPDATE, { id: customerId, input: { email: '\ud800' } }, { key: tenant.key }), 'email', SURROGATE('email'));
    expectFieldError(await gw.gql(SEARCH, { search: '\udc00' }, { key: tenant.key }), 'search', SURROGATE('search'));
    const byId = await gw.gql('query Get($id: ID!) { customer(id: $id) { id } }', { id: '\ud800' }, { key: tenant.key });
    expect(byId.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', validationErrors: [{ field: 'id', message: SURROGATE('id') }] });
    expectFieldError(await gw.gql(CREATE, { input: { name: 'M', metadata: { note: 'a\ud800' } } }, { key: tenant.key }), 'metadata', SURROGATE('metadata values'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'M', metadata: { ['k\udc00']: 1 } } }, { key: tenant.key }), 'metadata', SURROGATE('metadata keys'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'M', metadata: { list: [{ note: '\ud800' }] } } }, { key: tenant.key }), 'metadata', SURROGATE('metadata values'));
  });

  test('GraphQL: NUL characters, which PostgreSQL cannot store, are refused by field', async () => {
    expectFieldError(await gw.gql(CREATE, { input: { name: 'Nul\u0000Name' } }, { key: tenant.key }), 'name', NUL('name'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'N', address: '\u0000' } }, { key: tenant.key }), 'address', NUL('address'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'N', metadata: { note: 'a\u0000b' } } }, { key: tenant.key }), 'metadata', NUL('metadata values'));
  });

  test('GraphQL: every failing field at once, surrogates alongside other rules', async () => {
    const response = await gw.gql(CREATE, { input: { name: '\ud800', email: 'not-an-email', phoneNumber: 'x' } }, { key: tenant.key });
    expect(response.body.errors?.[0].extensions?.validationErrors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: SURROGATE('name') },
        { field: 'email', message: 'email must be an email' },
        { field: 'phoneNumber', message: 'phoneNumber must be an E.164 phone number' },
      ]),
    );
  });

  test('nothing was stored in place of the refused text (no U+FFFD)', async () => {
    const listed = await gw.gql<{ customers: { customers: { id: string }[] } }>(SEARCH, { search: '\ufffd' }, { key: tenant.key });
    expect(listed.body.data?.customers.customers).toEqual([]);
    const valid = await gw.gql<{ createCustomer: { name: string } }>(CREATE, { input: { name: 'Émile 😀 \u{1F600}' } }, { key: tenant.key });
    expect(valid.body.data?.createCustomer.name).toBe('Émile 😀 \u{1F600}');
  });

  test.each([
    ['name', '"\\ud800"'],
    ['email', '"\\ud800"'],
    ['email', '"a\\udc00@example.com"'],
    ['city', '"x\\ud800"'],
  ])('REST POST: a lone surrogate in %s is a 400 in the seed shape', async (field, json) => {
    const restName = field === 'name' ? 'name' : field;
    const body = field === 'name' ? `{"name":${json}}` : `{"name":"A","${field}":${json}}`;
    const response = await rest(gw, 'POST', '/customers', { key: tenant.key, raw: body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, message: [SURROGATE(restName)] });
  });

  test('REST: PATCH, REST field names, metadata and search', async () => {
    const patch = await rest(gw, 'PATCH', `/customers/${customerId}`, { key: tenant.key, raw: '{"phone_number":"\\ud800","name":"ok"}' });
    expect(patch.body).toEqual({ statusCode: 400, message: [SURROGATE('phone_number')] });
    const meta = await rest(gw, 'POST', '/customers', { key: tenant.key, raw: '{"name":"A","metadata":{"k":"\\udfff"}}' });
    expect(meta.body).toEqual({ statusCode: 400, message: [SURROGATE('metadata values')] });
    const nul = await rest(gw, 'POST', '/customers', { key: tenant.key, raw: '{"name":"A\\u0000"}' });
    expect(nul.body).toEqual({ statusCode: 400, message: [NUL('name')] });
    const search = await rest(gw, 'GET', `/customers?search=${encodeURIComponent('a')}%00`, { key: tenant.key });
    expect(search.body).toEqual({ statusCode: 400, message: [NUL('search')] });
  });
});

describe('a query string that is not valid percent-encoded UTF-8 is refused, never decoded to U+FFFD', () => {
  const MESSAGE = /^The query string is not valid percent-encoded UTF-8 \(parameter search\)/;
  test.each(['%FF', '%E2%82', 'a%', '%zz', '%C0%AF'])('REST search=%s: 400, and nothing was searched', async (escaped) => {
    const before = gw.db.names().length;
    const response = await fetch(`${gw.url}/customers?search=${escaped}`, { headers: { 'x-api-key': tenant.key } });
    expect(response.status).toBe(400);
    // the original API's error shape
    const body = (await response.json()) as { statusCode: number; message: string[] };
    expect(body).toEqual({ statusCode: 400, message: [expect.stringMatching(MESSAGE)] });
    expect(gw.db.names().length).toBe(before);
  });

  test('GraphQL over GET: the same refusal, before the document is parsed', async () => {
    const query = encodeURIComponent('{ customers(search: "x") { pagination { page } } }').replace('x', '%FF');
    const response = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'x-api-key': tenant.key, 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].message).toMatch(/^The query string is not valid percent-encoded UTF-8 \(parameter query\)/);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  test('valid escapes of any UTF-8 text still reach the search', async () => {
    const response = await fetch(`${gw.url}/customers?search=${encodeURIComponent('Émile 😀')}&type=all`, { headers: { 'x-api-key': tenant.key } });
    expect(response.status).toBe(200);
  });
});

describe("Apollo's persisted-query errors keep Apollo's codes, with a message saying what is wrong", () => {
  const QUERY = '{ customers(pageSize: 1) { pagination { page } } }';
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const post = (body: unknown) =>
    fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.key }, body: JSON.stringify(body) }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] },
    }));

  test.each([
    ['an empty persistedQuery extension', { query: QUERY, extensions: { persistedQuery: {} } }, /version must be 1/],
    ['version 2', { query: QUERY, extensions: { persistedQuery: { version: 2, sha256Hash: sha(QUERY) } } }, /version must be 1/],
    ['a hash that is not the query\'s', { query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, /sha256Hash must be the SHA-256/],
  ])('%s: 400 BAD_REQUEST', async (_name, body, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ message: expect.stringMatching(message), extensions: { code: 'BAD_REQUEST' } }]);
  });

  test('an unknown hash without the query: PERSISTED_QUERY_NOT_FOUND; registered, it is served', async () => {
    const hash = sha(`${QUERY} `);
    const missing = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(missing.body.errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect((await post({ query: `${QUERY} `, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).body.errors).toBeUndefined();
    const served = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(served.body).toMatchObject({ data: { customers: { pagination: { page: 1 } } } });
  });
});

describe('more invalid values than graphql-js reports (50) is still BAD_USER_INPUT', () => {
  const unknown = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`unknown${i}`, i]));

  test('GraphQL: 60 unknown input fields', async () => {
    const response = await gw.gql(CREATE, { input: { name: 'Many', ...unknown } }, { key: tenant.key });
    const codes = new Set(response.body.errors?.map((error) => error.extensions?.code));
    expect(codes).toEqual(new Set(['BAD_USER_INPUT']));
    expect(response.body.errors?.at(-1)?.message).toMatch(/too many invalid values/);
  });

  test('REST: 60 unknown body fields, each reported', async () => {
    const response = await rest(gw, 'POST', '/customers', { key: tenant.key, body: { name: 'Many', ...unknown } });
    expect(response.status).toBe(400);
    expect((response.body as { message: string[] }).message).toHaveLength(60);
  });
});

describe('a body the gateway cannot read keeps the 4xx status body-parser gives it, with a message of ours', () => {
  const CORRUPT = Buffer.from([1, 2, 3, 4, 5]);
  const GRAPHQL_BODY = JSON.stringify({ query: '{ customers(pageSize: 1) { pagination { page } } }' });
  const REST_BODY = JSON.stringify({ name: 'Compressed' });

  /** Sends raw bytes with the given headers to a path; the answer's status and JSON. */
  async function send(path: string, body: Buffer, headers: Record<string, string>) {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': tenant.key, ...headers }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const cases: [string, (json: string) => Buffer, Record<string, string>, number, string, RegExp][] = [
    ['corrupt deflate', () => CORRUPT, { 'content-encoding': 'deflate' }, 400, 'BAD_REQUEST', /valid deflate data/],
    ['corrupt gzip', () => CORRUPT, { 'content-encoding': 'gzip' }, 400, 'BAD_REQUEST', /valid gzip data/],
    ['truncated gzip', (json) => gzipSync(json).subarray(0, 12), { 'content-encoding': 'gzip' }, 400, 'BAD_REQUEST', /valid gzip data/],
    ['non-brotli data as br', (json) => Buffer.from(json.repeat(4)), { 'content-encoding': 'br' }, 400, 'BAD_REQUEST', /valid br data/],
    ['an unknown encoding', (json) => Buffer.from(json), { 'content-encoding': 'compress' }, 415, 'UNSUPPORTED_MEDIA_TYPE', /Content-Encoding compress is not supported/],
    ['a latin1 charset', (json) => Buffer.from(json), { 'content-type': 'application/json; charset=latin1' }, 415, 'UNSUPPORTED_MEDIA_TYPE', /must be UTF-8 JSON/],
    ['bytes that are not UTF-8', (json) => Buffer.concat([Buffer.from(json.slice(0, -2)), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]), {}, 400, 'BAD_REQUEST', /valid UTF-8/],
    ['5 MB of gzipped spaces', () => gzipSync(Buffer.alloc(5 * 1024 * 1024, ' ')), { 'content-encoding': 'gzip' }, 413, 'PAYLOAD_TOO_LARGE', /larger than the limit/],
  ];

  test.each(cases)('GraphQL: %s', async (_name, body, headers, status, code, message) => {
    const response = await send('/graphql', body(GRAPHQL_BODY), headers);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ errors: [{ message: expect.stringMatching(message), extensions: { code, requestId: expect.any(String) } }] });
  });

  test.each(cases)('REST: %s', async (_name, body, headers, status, _code, message) => {
    const response = await send('/customers', body(REST_BODY), headers);
    expect(response.status).toBe(status);
    const expected = expect.stringMatching(message);
    expect(response.body).toEqual({ statusCode: status, message: status === 400 ? [expected] : expected });
  });

  test('well-formed gzip, deflate and br bodies are read', async () => {
    for (const [encoding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const graphql = await send('/graphql', compress(GRAPHQL_BODY), { 'content-encoding': encoding });
      expect(graphql.body).toMatchObject({ data: { customers: { pagination: { page: 1 } } } });
      expect((await send('/customers', compress(REST_BODY), { 'content-encoding': encoding })).status).toBe(201);
    }
  });
});

describe('headers or a URL over the header limit: 431 with a body and a graceful close, every time', () => {
  const TRIES = 30;
  const longQuery = `/customers?search=${'a'.repeat(100_000)}`;
  const bigHeader = { 'x-padding': 'p'.repeat(60_000) };

  test.each([
    ['REST, a 100 KB query string', longQuery, {}],
    ['REST, a 60 KB header', '/customers', bigHeader],
    ['GraphQL, a 60 KB header', '/graphql', bigHeader],
  ])(`raw HTTP: %s, ${TRIES} tries`, async (_name, path, headers) => {
    const port = Number(new URL(gw.url).port);
    for (let i = 0; i < TRIES; i += 1) {
      const request: FuzzRequest = { kind: 'http', method: 'GET', path, headers: [['X-API-Key', tenant.key], ...Object.entries(headers)] };
      const result = await exchange(port, request, 10_000);
      // no reset: the whole answer is read and the connection ends cleanly
      expect({ try: i, failure: result.failure }).toEqual({ try: i, failure: undefined });
      expect(result.responses).toHaveLength(1);
      const [response] = result.responses;
      expect(response.status).toBe(431);
      expect(response.headers.connection).toBe('close');
      expect(JSON.parse(response.body.toString('utf8'))).toEqual({
        statusCode: 431,
        message: 'The request headers or URL are larger than the limit of 16384 bytes',
        errors: [{ message: 'The request headers or URL are larger than the limit of 16384 bytes', extensions: { code: 'HEADERS_TOO_LARGE' } }],
      });
    }
  });

  test(`fetch: a 100 KB query string, ${TRIES} tries one by one and ${TRIES} at once, and the server still answers`, async () => {
    for (let i = 0; i < TRIES; i += 1) {
      const response = await fetch(`${gw.url}${longQuery}`, { headers: { 'x-api-key': tenant.key } });
      expect(response.status).toBe(431);
      expect(await response.json()).toMatchObject({ statusCode: 431 });
    }
    // and many at once
    const statuses = await Promise.all(Array.from({ length: TRIES }, () => fetch(`${gw.url}${longQuery}`).then(async (r) => [r.status, (await r.json() as { statusCode: number }).statusCode])));
    expect(statuses).toEqual(Array.from({ length: TRIES }, () => [431, 431]));
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });

  test('a request line that is not HTTP: 400 with a body', async () => {
    const port = Number(new URL(gw.url).port);
    const result = await exchange(port, { kind: 'raw', bytes: Buffer.from('G@T / HTTP/1.1\r\nHost: x\r\n\r\n') }, 10_000);
    expect(result.failure).toBeUndefined();
    expect(result.responses[0]?.status).toBe(400);
    expect(JSON.parse(result.responses[0].body.toString('utf8'))).toMatchObject({ statusCode: 400, errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });
});

import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { rest } from '../rest/helpers';

/**
 * Inputs a fuzzer found to crash the request path: each is refused with a field error (GraphQL
 * BAD_USER_INPUT, REST 400 in the seed's shape), never a 500 or an internal error, and never
 * logged as one.
 */
const CREATE = 'mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id name email metadata } }';
const UPDATE = 'mutation Update($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id name } }';
const SEARCH = 'query Search($search: String) { customers(search: $search) { customers { id } } }';

let gw: TestGateway;
let key: string;
let customerId: string;
const logLines: string[] = [];

/** Log lines at error level or above (pino: 50 error, 60 fatal). */
function errorLogs(): unknown[] {
  return logLines.map((line) => JSON.parse(line) as { level: number }).filter((line) => line.level >= 50);
}

beforeAll(async () => {
  gw = await startGateway({}, { logLines });
  key = (await gw.tenantWithKey()).key;
  const created = await gw.gql<{ createCustomer: { id: string } }>(CREATE, { input: { name: 'Existing' } }, { key });
  customerId = created.body.data?.createCustomer.id as string;
});

afterAll(async () => {
  await gw?.close();
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
    headers: { 'content-type': 'application/json', 'x-api-key': key },
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
      const response = await rest(gw, method, path, { key, raw: `{"name":"Deep","metadata":${metadata}}` });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ statusCode: 400, message: [TOO_DEEP] });
    }
  });

  test('five levels are still accepted', async () => {
    const metadata = { deep: [[[{ five: 5 }]]] };
    const response = await gw.gql<{ createCustomer: { metadata: unknown } }>(CREATE, { input: { name: 'Five', metadata } }, { key });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createCustomer.metadata).toEqual(metadata);
    expectFieldError(await gw.gql(CREATE, { input: { name: 'Six', metadata: { deep: [[[{ six: [] }]]] } } }, { key }), 'metadata', TOO_DEEP);
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
    const response = await gw.gql(CREATE, { input: { name: 'Someone', [field]: value } }, { key });
    expectFieldError(response, field, SURROGATE(field));
  });

  test('GraphQL: update, search, ids and metadata keys and values', async () => {
    expectFieldError(await gw.gql(UPDATE, { id: customerId, input: { name: 'x\ud800' } }, { key }), 'name', SURROGATE('name'));
    expectFieldError(await gw.gql(UPDATE, { id: customerId, input: { email: '\ud800' } }, { key }), 'email', SURROGATE('email'));
    expectFieldError(await gw.gql(SEARCH, { search: '\udc00' }, { key }), 'search', SURROGATE('search'));
    const byId = await gw.gql('query Get($id: ID!) { customer(id: $id) { id } }', { id: '\ud800' }, { key });
    expect(byId.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', validationErrors: [{ field: 'id', message: SURROGATE('id') }] });
    expectFieldError(await gw.gql(CREATE, { input: { name: 'M', metadata: { note: 'a\ud800' } } }, { key }), 'metadata', SURROGATE('metadata values'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'M', metadata: { ['k\udc00']: 1 } } }, { key }), 'metadata', SURROGATE('metadata keys'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'M', metadata: { list: [{ note: '\ud800' }] } } }, { key }), 'metadata', SURROGATE('metadata values'));
  });

  test('GraphQL: NUL characters, which PostgreSQL cannot store, are refused by field', async () => {
    expectFieldError(await gw.gql(CREATE, { input: { name: 'Nul\u0000Name' } }, { key }), 'name', NUL('name'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'N', address: '\u0000' } }, { key }), 'address', NUL('address'));
    expectFieldError(await gw.gql(CREATE, { input: { name: 'N', metadata: { note: 'a\u0000b' } } }, { key }), 'metadata', NUL('metadata values'));
  });

  test('GraphQL: every failing field at once, surrogates alongside other rules', async () => {
    const response = await gw.gql(CREATE, { input: { name: '\ud800', email: 'not-an-email', phoneNumber: 'x' } }, { key });
    expect(response.body.errors?.[0].extensions?.validationErrors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: SURROGATE('name') },
        { field: 'email', message: 'email must be an email' },
        { field: 'phoneNumber', message: 'phoneNumber must be an E.164 phone number' },
      ]),
    );
  });

  test('nothing was stored in place of the refused text (no U+FFFD)', async () => {
    const listed = await gw.gql<{ customers: { customers: { id: string }[] } }>(SEARCH, { search: '\ufffd' }, { key });
    expect(listed.body.data?.customers.customers).toEqual([]);
    const valid = await gw.gql<{ createCustomer: { name: string } }>(CREATE, { input: { name: 'Émile 😀 \u{1F600}' } }, { key });
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
    const response = await rest(gw, 'POST', '/customers', { key, raw: body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, message: [SURROGATE(restName)] });
  });

  test('REST: PATCH, REST field names, metadata and search', async () => {
    const patch = await rest(gw, 'PATCH', `/customers/${customerId}`, { key, raw: '{"phone_number":"\\ud800","name":"ok"}' });
    expect(patch.body).toEqual({ statusCode: 400, message: [SURROGATE('phone_number')] });
    const meta = await rest(gw, 'POST', '/customers', { key, raw: '{"name":"A","metadata":{"k":"\\udfff"}}' });
    expect(meta.body).toEqual({ statusCode: 400, message: [SURROGATE('metadata values')] });
    const nul = await rest(gw, 'POST', '/customers', { key, raw: '{"name":"A\\u0000"}' });
    expect(nul.body).toEqual({ statusCode: 400, message: [NUL('name')] });
    const search = await rest(gw, 'GET', `/customers?search=${encodeURIComponent('a')}%00`, { key });
    expect(search.body).toEqual({ statusCode: 400, message: [NUL('search')] });
  });
});

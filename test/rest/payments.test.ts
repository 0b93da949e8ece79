/**
 * The REST face of safe retries, versions, restore and exact amounts: Idempotency-Key on
 * POST /customers (the keys GraphQL's createCustomer uses), ETag and If-Match, POST
 * /customers/:id/restore, and gross_amount written with the stored digits. Real HTTP on the
 * real server; runs on every backend of the run (PGlite; PostgreSQL with TEST_DATABASE_URL; the
 * Supabase adapter with TEST_GATEWAY_BACKEND=supabase). The concurrent case runs on PostgreSQL
 * only: the embedded database has one session.
 */
import http from 'node:http';
import { addCustomer, minutesAgo, storedCustomer } from '../helpers/customers';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import type { TestTenant } from '../helpers/tenants';
import { usingPostgres } from '../helpers/test-env';
import type { RestResponse } from './helpers';
import { asRecord, rest } from './helpers';

let gw: TestGateway;
let tenant: TestTenant & { key: string };

beforeAll(async () => {
  gw = await startGateway();
  tenant = await gw.tenantWithKey();
});
afterAll(async () => {
  await gw?.close();
});

let n = 0;
const newKey = () => `rest-retry-${Date.now()}-${++n}`;

const GQL_CREATE = `mutation Create($input: CreateCustomerInput!, $key: String) {
  createCustomer(input: $input, idempotencyKey: $key) { id name version }
}`;
const GQL_ERASE = `mutation Erase($id: ID!) { eraseCustomer(id: $id) { id } }`;

const post = (body: unknown, headers: Record<string, string> = {}, key = tenant.key) => rest(gw, 'POST', '/customers', { key, body, headers });
const idOf = (res: RestResponse): string => String(asRecord(res.body).customer_id);

async function countNamed(t: TestTenant, name: string): Promise<number> {
  const rows = await gw.db.inner.session((s) =>
    s.query<{ n: number }>('select count(*)::int as n from customers where organization_id = $1 and environment = $2 and name = $3', [t.organizationId, t.environment, name]),
  );
  return rows[0].n;
}

/**
 * A request with node's own client, for what fetch cannot send as is: a header repeated on two
 * lines, or a conditional GET without the `cache-control: no-cache` fetch adds to one.
 */
function rawRequest(method: string, path: string, headers: http.OutgoingHttpHeaders, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, gw.url), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function created(name: string): Promise<{ id: string; etag: string }> {
  const res = await post({ name, email: 'etag@example.com' });
  expect(res.status).toBe(201);
  return { id: idOf(res), etag: String(res.headers.get('etag')) };
}

describe('POST /customers with an Idempotency-Key', () => {
  test('a retry with the same key and body answers as the first call did and creates nothing', async () => {
    const key = newKey();
    const body = { name: 'Rest Retry', email: 'rest.retry@example.com', metadata: { a: 1 } };
    const first = await post(body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const again = await post(body, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(`/customers/${idOf(first)}`);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe('"1"');
    expect(await countNamed(tenant, 'Rest Retry')).toBe(1);
  });

  test('one namespace with GraphQL: a key used over GraphQL, then REST with the same input, gives the same customer', async () => {
    const key = newKey();
    const gql = await gw.gql<{ createCustomer: { id: string } }>(GQL_CREATE, { input: { name: 'Both Faces', email: 'both@example.com', isBusiness: true } }, { key: tenant.key });
    expect(gql.body.errors).toBeUndefined();
    const viaGql = await gw.gql<{ createCustomer: { id: string } }>(GQL_CREATE, { input: { name: 'Both Faces Keyed', email: 'both@example.com', isBusiness: true }, key }, { key: tenant.key });
    const id = viaGql.body.data?.createCustomer.id;
    const viaRest = await post({ name: ' Both Faces Keyed ', email: 'both@example.com', is_business: true }, { 'Idempotency-Key': key });
    expect(viaRest.status).toBe(201);
    expect(idOf(viaRest)).toBe(id);
    expect(viaRest.headers.get('location')).toBe(`/customers/${id}`);
    expect(await countNamed(tenant, 'Both Faces Keyed')).toBe(1);
    // and the other way round
    const restFirst = newKey();
    const made = await post({ name: 'Rest Then Graphql' }, { 'Idempotency-Key': restFirst });
    const replay = await gw.gql<{ createCustomer: { id: string } }>(GQL_CREATE, { input: { name: 'Rest Then Graphql', isBusiness: false }, key: restFirst }, { key: tenant.key });
    expect(replay.body.data?.createCustomer.id).toBe(idOf(made));
    expect(await countNamed(tenant, 'Rest Then Graphql')).toBe(1);
  });

  test('the same key with a different body: 409 in the seed\'s error shape, Conflict-Reason, nothing created', async () => {
    const key = newKey();
    await gw.gql(GQL_CREATE, { input: { name: 'Key Owner' }, key }, { key: tenant.key });
    const other = await post({ name: 'Key Thief' }, { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
    expect(other.body).toEqual({
      statusCode: 409,
      message: 'This idempotency key was already used with a different input in the last 24 hours: nothing was created; use a new key for a new customer',
    });
    expect(other.headers.get('conflict-reason')).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(other.headers.get('location')).toBeNull();
    expect(await countNamed(tenant, 'Key Thief')).toBe(0);
  });

  test('keys are per organization and environment', async () => {
    const key = newKey();
    const mine = await post({ name: 'Scoped Rest Key' }, { 'Idempotency-Key': key });
    const stranger = await gw.tenantWithKey();
    const theirs = await post({ name: 'Scoped Rest Key' }, { 'Idempotency-Key': key }, stranger.key);
    const live = await post({ name: 'Scoped Rest Key' }, { 'Idempotency-Key': key }, await gw.keyFor(tenant, 'live'));
    expect([mine.status, theirs.status, live.status]).toEqual([201, 201, 201]);
    expect(new Set([mine, theirs, live].map(idOf)).size).toBe(3);
  });

  test('an invalid key is 400 (the rule GraphQL applies), listed with the body\'s problems; nothing created', async () => {
    const message = 'Idempotency-Key must be 1-255 printable ASCII characters, e.g. a UUID made for this one create';
    for (const key of ['', 'x'.repeat(256), 'clé', 'tab\there']) {
      const res = await post({ name: 'Bad Rest Key' }, { 'Idempotency-Key': key });
      expect([key, res.status, res.body]).toEqual([key, 400, { statusCode: 400, message: [message] }]);
    }
    const both = await post({ name: 'Bad Rest Key', email: 'nope' }, { 'Idempotency-Key': '' });
    expect(both.body).toEqual({ statusCode: 400, message: [message, 'email must be an email'] });
    expect(await countNamed(tenant, 'Bad Rest Key')).toBe(0);
    const longest = await post({ name: 'Longest Rest Key' }, { 'Idempotency-Key': 'k'.repeat(255) });
    expect(longest.status).toBe(201);
  });

  test('two Idempotency-Key headers are refused, not joined into one key', async () => {
    const headers = { 'content-type': 'application/json', 'x-api-key': tenant.key, 'Idempotency-Key': ['one', 'two'] };
    const answer = await rawRequest('POST', '/customers', headers, JSON.stringify({ name: 'Two Keys' }));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ statusCode: 400, message: ['send one Idempotency-Key header, not 2'] });
    expect(await countNamed(tenant, 'Two Keys')).toBe(0);
  });

  test('a failed call does not use its key up', async () => {
    const key = newKey();
    const refused = await post({ name: 'Rest Good Later', email: 'not-an-email' }, { 'Idempotency-Key': key });
    expect(refused.status).toBe(400);
    const ok = await post({ name: 'Rest Good Later' }, { 'Idempotency-Key': key });
    expect(ok.status).toBe(201);
    expect(await countNamed(tenant, 'Rest Good Later')).toBe(1);
  });

  test('a retry after the customer was deleted is 404 and creates nothing; the replay shows it as it is now', async () => {
    const key = newKey();
    const first = await post({ name: 'Rest Changes Later' }, { 'Idempotency-Key': key });
    const id = idOf(first);
    await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Thiès' } });
    const changed = await post({ name: 'Rest Changes Later' }, { 'Idempotency-Key': key });
    expect(changed.status).toBe(201);
    expect(asRecord(changed.body)).toMatchObject({ customer_id: id, city: 'Thiès' });
    expect(changed.headers.get('etag')).toBe('"2"');
    await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key });
    const gone = await post({ name: 'Rest Changes Later' }, { 'Idempotency-Key': key });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ statusCode: 404, message: 'The customer this idempotency key created has since been deleted or erased' });
    expect(await countNamed(tenant, 'Rest Changes Later')).toBe(1);
  });

  (usingPostgres() ? test : test.skip)('20 concurrent POSTs with one key create exactly one customer and all answer with its id (PostgreSQL)', async () => {
    const key = newKey();
    const body = { name: 'Twenty Rest Retries', email: 'twenty.rest@example.com' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body, { 'Idempotency-Key': key })));
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 201));
    const ids = new Set(answers.map(idOf));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await countNamed(tenant, 'Twenty Rest Retries')).toBe(1);
  });
});

describe('ETag and If-Match', () => {
  test('GET, POST, PATCH and restore carry the version as a strong ETag', async () => {
    const { id, etag } = await created('Etag Person');
    expect(etag).toBe('"1"');
    expect((await rest(gw, 'GET', `/customers/${id}`, { key: tenant.key })).headers.get('etag')).toBe('"1"');
    const patched = await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Dakar' } });
    expect(patched.headers.get('etag')).toBe('"2"');
    // a PATCH that changes nothing keeps the version
    expect((await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: {} })).headers.get('etag')).toBe('"2"');
    await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key });
    const restored = await rest(gw, 'POST', `/customers/${id}/restore`, { key: tenant.key });
    expect(restored.headers.get('etag')).toBe('"4"');
    expect((await storedCustomer(gw.db.inner, id))?.version).toBe(4);
    // lists, transactions and deletions describe no one customer: no ETag
    expect((await rest(gw, 'GET', '/customers', { key: tenant.key })).headers.get('etag')).toBeNull();
    expect((await rest(gw, 'GET', `/customers/${id}/transactions`, { key: tenant.key })).headers.get('etag')).toBeNull();
  });

  test('PATCH with the current ETag changes the customer; with a stale one: 412 naming the current version, nothing written', async () => {
    const { id } = await created('Careful Editor');
    const ok = await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Saint-Louis' }, headers: { 'If-Match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    const before = await storedCustomer(gw.db.inner, id);
    const stale = await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Touba' }, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body).toEqual({
      statusCode: 412,
      message: `Customer ${id} is at version 2 (ETag "2"), not the version If-Match names ("1"): nothing was changed; read it again with GET /customers/${id}, then send If-Match: "2" if the change still applies`,
    });
    expect(stale.headers.get('etag')).toBeNull();
    expect(await storedCustomer(gw.db.inner, id)).toEqual(before);
  });

  test('DELETE honours If-Match: a stale ETag is 412 and the customer stays; the current one deletes', async () => {
    const { id } = await created('Delete Carefully');
    await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { name: 'Delete Carefully 2' } });
    const stale = await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(asRecord(stale.body)).toEqual({ statusCode: 412, message: expect.stringContaining('is at version 2 (ETag "2")') });
    expect(await storedCustomer(gw.db.inner, id)).toMatchObject({ is_deleted: false, version: 2 });
    const ok = await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key, headers: { 'If-Match': '"2"' } });
    expect(ok).toMatchObject({ status: 200, body: { message: 'Customer deleted successfully' } });
    expect(await storedCustomer(gw.db.inner, id)).toMatchObject({ is_deleted: true });
  });

  test('If-Match: * matches any existing customer; a missing one is 404 as without it', async () => {
    const { id } = await created('Star Match');
    await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Kolda' } });
    const patched = await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Kédougou' }, headers: { 'If-Match': '*' } });
    expect([patched.status, patched.headers.get('etag')]).toEqual([200, '"3"']);
    const missing = '00000000-0000-4000-8000-00000000beef';
    const gone = await rest(gw, 'PATCH', `/customers/${missing}`, { key: tenant.key, body: { city: 'X' }, headers: { 'If-Match': '*' } });
    expect(gone.body).toEqual({ statusCode: 404, message: `Customer with ID ${missing} not found or access denied` });
    expect((await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key, headers: { 'If-Match': '*' } })).status).toBe(200);
  });

  test('a stale If-Match on another tenant\'s customer is 404, never a 412 that would reveal its version', async () => {
    const { id } = await created('Foreign Version');
    const stranger = await gw.tenantWithKey();
    const res = await rest(gw, 'PATCH', `/customers/${id}`, { key: stranger.key, body: { city: 'X' }, headers: { 'If-Match': '"7"' } });
    expect(res.body).toEqual({ statusCode: 404, message: `Customer with ID ${id} not found or access denied` });
  });

  test('a malformed If-Match is 400 and nothing is written', async () => {
    const { id } = await created('Malformed Match');
    const before = await storedCustomer(gw.db.inner, id);
    const message = 'If-Match must be * or one ETag of the customer: its version in double quotes, e.g. "3"';
    for (const value of ['1', 'W/"1"', '"abc"', '"0"', '"1", "2"', '"99999999999"', '""']) {
      const patch = await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Never' }, headers: { 'If-Match': value } });
      expect([value, patch.status, patch.body]).toEqual([value, 400, { statusCode: 400, message: [message] }]);
      const del = await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key, headers: { 'If-Match': value } });
      expect([value, del.status]).toEqual([value, 400]);
    }
    const both = await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { email: 'nope' }, headers: { 'If-Match': 'W/"1"' } });
    expect(both.body).toEqual({ statusCode: 400, message: [message, 'email must be an email'] });
    expect(await storedCustomer(gw.db.inner, id)).toEqual(before);
  });

  test('GET with If-None-Match naming the current ETag is 304 without a body', async () => {
    const { id } = await created('Not Modified');
    const res = await rawRequest('GET', `/customers/${id}`, { 'x-api-key': tenant.key, 'If-None-Match': '"1"' });
    expect([res.status, res.body, res.headers.etag]).toEqual([304, '', '"1"']);
    await rest(gw, 'PATCH', `/customers/${id}`, { key: tenant.key, body: { city: 'Fatick' } });
    const changed = await rawRequest('GET', `/customers/${id}`, { 'x-api-key': tenant.key, 'If-None-Match': '"1"' });
    expect([changed.status, changed.headers.etag, JSON.parse(changed.body)]).toEqual([200, '"2"', expect.objectContaining({ city: 'Fatick' })]);
  });
});

describe('POST /customers/:id/restore', () => {
  test('a deleted customer comes back with all its data; GET reads it again', async () => {
    const made = await post({ name: 'Restore Me', email: 'restore@example.com', city: 'Mbour', metadata: { tier: 'gold' } });
    const id = idOf(made);
    await rest(gw, 'DELETE', `/customers/${id}`, { key: tenant.key });
    expect((await rest(gw, 'GET', `/customers/${id}`, { key: tenant.key })).status).toBe(404);
    const restored = await rest(gw, 'POST', `/customers/${id}/restore`, { key: tenant.key });
    expect(restored.status).toBe(200);
    const { updated_at: _updated, ...kept } = asRecord(made.body);
    expect(asRecord(restored.body)).toMatchObject(kept);
    expect(restored.headers.get('etag')).toBe('"3"');
    expect((await rest(gw, 'GET', `/customers/${id}`, { key: tenant.key })).body).toEqual(restored.body);
  });

  test('a customer that is not deleted is returned unchanged', async () => {
    const made = await post({ name: 'Never Deleted' });
    const id = idOf(made);
    const before = await storedCustomer(gw.db.inner, id);
    const res = await rest(gw, 'POST', `/customers/${id}/restore`, { key: tenant.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(made.body);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(await storedCustomer(gw.db.inner, id)).toEqual(before);
  });

  test('erased, missing, another tenant\'s or another environment\'s: 404 with the seed\'s message', async () => {
    const erased = idOf(await post({ name: 'Erased Before Restore' }));
    await gw.gql(GQL_ERASE, { id: erased }, { key: tenant.key });
    const foreign = idOf(await post({ name: 'Deleted Foreign' }));
    await rest(gw, 'DELETE', `/customers/${foreign}`, { key: tenant.key });
    const stranger = await gw.tenantWithKey();
    const live = await gw.keyFor(tenant, 'live');
    for (const [id, key] of [
      [erased, tenant.key],
      ['00000000-0000-4000-8000-00000000abcd', tenant.key],
      [foreign, stranger.key],
      [foreign, live],
    ]) {
      const res = await rest(gw, 'POST', `/customers/${id}/restore`, { key });
      expect(res.body).toEqual({ statusCode: 404, message: `Customer with ID ${id} not found or access denied` });
    }
    expect(await storedCustomer(gw.db.inner, foreign)).toMatchObject({ is_deleted: true });
  });

  test('a malformed id is 400; no key is 401', async () => {
    expect((await rest(gw, 'POST', '/customers/nope/restore', { key: tenant.key })).body).toEqual({ statusCode: 400, message: ['id must be a UUID'] });
    expect((await rest(gw, 'POST', '/customers/00000000-0000-4000-8000-00000000abcd/restore')).status).toBe(401);
  });
});

describe('gross_amount on the wire', () => {
  const AMOUNTS = ['12345678901.23', '0.10', '0.20', '9999999999999.99', '10000.00', '0.01'];

  test('a JSON number with the stored digits (0.10 stays 0.10); the body is otherwise plain JSON', async () => {
    const customer = (await addCustomer(gw.db.inner, tenant, { name: 'Exact Rest Amounts' })).customer_id;
    for (const [i, amount] of AMOUNTS.entries()) {
      await gw.db.inner.session((s) =>
        s.query(
          `insert into transactions (organization_id, customer_id, description, gross_amount, currency_code, status, environment, created_at)
           values ($1, $2, $3, $4::text::numeric, 'XOF', 'completed', $5, $6)`,
          [tenant.organizationId, customer, `Payment "${i}" \u2014 \\ done`, amount, tenant.environment, minutesAgo(60 - i)],
        ),
      );
    }
    const res = await fetch(`${gw.url}/customers/${customer}/transactions`, { headers: { 'x-api-key': tenant.key } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await res.text();
    const onWire = [...text.matchAll(/"gross_amount":([^,}]*)/g)].map((m) => m[1]);
    expect(onWire).toEqual([...AMOUNTS].reverse());
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed.map((t) => typeof t.gross_amount)).toEqual(AMOUNTS.map(() => 'number'));
    expect(parsed.map((t) => t.gross_amount)).toEqual([...AMOUNTS].reverse().map(Number));
    // Apart from the digits of those tokens, the text is what JSON.stringify writes.
    const asStringified = text.replace(/"gross_amount":(-?\d+(?:\.\d+)?)/g, (_m, digits: string) => `"gross_amount":${JSON.stringify(Number(digits))}`);
    expect(asStringified).toBe(JSON.stringify(parsed));
    expect(Object.keys(parsed[0])).toEqual(['transaction_id', 'description', 'gross_amount', 'currency_code', 'created_at', 'status']);
    expect(parsed[0].description).toBe('Payment "5" \u2014 \\ done');
  });
});

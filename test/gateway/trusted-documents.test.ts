import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import type { DocumentNode } from 'graphql';
import { loadConfig } from '../../src/config';
import { persistedOperationNames } from '../../src/persisted/trusted-documents';
import { addCustomer } from '../helpers/customers';
import type { KeyedTenant, TestGateway } from '../helpers/gateway';
import { useGateway } from '../helpers/gateway';
import type { GeneratedManifest } from '../helpers/persisted-documents';
import { generateManifest, manifestDir, manifestFile } from '../helpers/persisted-documents';

/**
 * Trusted documents (PERSISTED_DOCUMENTS). The manifest is the one GraphQL Code Generator's
 * client preset writes for the tests' operations (test/operations), generated here by the real
 * codegen CLI, as an app's build would.
 */
const ROOT = path.resolve(__dirname, '../..');
const DIR = manifestDir();
const MANIFEST = manifestFile(DIR);
let manifest: GeneratedManifest;

beforeAll(async () => {
  manifest = await generateManifest(DIR);
}, 120_000);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const bare = (id: string): string => id.replace(/^sha256:/, '');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const codeOf = (answer: Answer): unknown => answer.body.errors?.[0]?.extensions?.code;

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

async function post(gw: TestGateway, body: Record<string, unknown>, key?: string): Promise<Answer> {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return answer(response);
}

async function get(gw: TestGateway, params: Record<string, string>, key?: string): Promise<Answer> {
  const response = await fetch(`${gw.url}/graphql?${new URLSearchParams(params).toString()}`, {
    headers: { 'apollo-require-preflight': 'true', ...(key ? { 'x-api-key': key } : {}) },
  });
  return answer(response);
}

/** The names ListCustomerNames returns. */
function listedNames(result: Answer): string[] {
  const customers = result.body.data?.customers as { customers: { name: string }[] } | undefined;
  return customers?.customers.map((customer) => customer.name) ?? [];
}

const UNKNOWN_QUERY = '{ customers(pageSize: 1) { customers { id name } } }';
const INTROSPECTION = '{ __schema { queryType { name } } }';

/** A tenant with two customers the listing operations can find. */
function useCustomers(gw: TestGateway, tenant: KeyedTenant): void {
  beforeAll(async () => {
    await addCustomer(gw.db.inner, tenant, { name: 'Ada Trusted' });
    await addCustomer(gw.db.inner, tenant, { name: 'Grace Trusted' });
  });
}

/** Automatic persisted queries as Apollo Client's link sends them: hash first, then hash and text. */
async function automaticPersistedQuery(gw: TestGateway, key: string, query: string): Promise<{ first: Answer; register: Answer; again: Answer }> {
  const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
  const first = await post(gw, { extensions }, key);
  const register = await post(gw, { query, extensions }, key);
  const again = await post(gw, { extensions }, key);
  return { first, register, again };
}

/** The id the client preset puts on a generated document (`__meta__.hash`), as an app reads it. */
function presetHash(document: DocumentNode): string {
  const meta: unknown = '__meta__' in document ? document.__meta__ : undefined;
  const hash = typeof meta === 'object' && meta !== null && 'hash' in meta ? meta.hash : undefined;
  if (typeof hash !== 'string') throw new Error('the document has no __meta__.hash: generate it with presetConfig.persistedDocuments');
  return hash;
}

function expectRuns(result: Answer): void {
  expect(result.body.errors).toBeUndefined();
  expect(result.status).toBe(200);
  expect(listedNames(result)).toEqual(['Grace Trusted', 'Ada Trusted']);
}

describe('PERSISTED_DOCUMENTS=allow: trusted documents by id, any document still runs', () => {
  const { gw, tenant } = useGateway({ PERSISTED_DOCUMENTS: 'allow', PERSISTED_DOCUMENTS_MANIFEST: MANIFEST });
  useCustomers(gw, tenant);

  test('a documentId (with or without sha256:) in a POST body runs its document with the variables', async () => {
    const id = manifest.idOf('ListCustomerNames');
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expectRuns(await post(gw, { documentId: id, variables: { pageSize: 10 } }, tenant.key));
    expectRuns(await post(gw, { documentId: bare(id), variables: { pageSize: 10 }, operationName: 'ListCustomerNames' }, tenant.key));
    const one = await post(gw, { documentId: id, variables: { pageSize: 1 } }, tenant.key);
    expect(listedNames(one)).toEqual(['Grace Trusted']);
  });

  test('a documentId as a GET parameter (with or without sha256:) runs it too', async () => {
    const id = manifest.idOf('ListCustomerNames');
    expectRuns(await get(gw, { documentId: id, variables: JSON.stringify({ pageSize: 10 }) }, tenant.key));
    expectRuns(await get(gw, { documentId: bare(id), variables: JSON.stringify({ pageSize: 10 }) }, tenant.key));
  });

  test("Apollo's extensions.persistedQuery with a manifest id (either form) and no query runs it", async () => {
    const id = manifest.idOf('ListCustomerNames');
    for (const sha256Hash of [id, bare(id)]) {
      expectRuns(await post(gw, { variables: { pageSize: 10 }, extensions: { persistedQuery: { version: 1, sha256Hash } } }, tenant.key));
      expectRuns(await get(gw, { variables: JSON.stringify({ pageSize: 10 }), extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }) }, tenant.key));
    }
  });

  test('a mutation by documentId runs over POST; over GET it is refused as any GET mutation is', async () => {
    const id = manifest.idOf('CreateCustomer');
    const other = await gw.tenantWithKey();
    const created = await post(gw, { documentId: id, variables: { input: { name: 'Made By Id' } } }, other.key);
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createCustomer).toMatchObject({ name: 'Made By Id' });
    const overGet = await get(gw, { documentId: id, variables: JSON.stringify({ input: { name: 'Not Made' } }) }, other.key);
    expect(overGet.status).toBe(405);
  });

  test('a trusted document still needs an API key', async () => {
    const result = await post(gw, { documentId: manifest.idOf('ListCustomerNames') });
    expect(result.status).toBe(401);
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
  });

  test('the raw text of a manifest document, and any other document, run', async () => {
    expectRuns(await post(gw, { query: manifest.textOf('ListCustomerNames'), variables: { pageSize: 10 } }, tenant.key));
    const other = await post(gw, { query: UNKNOWN_QUERY }, tenant.key);
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  });

  test('an unknown or malformed documentId is 400 PERSISTED_QUERY_NOT_FOUND, saying what to do', async () => {
    const unknown = await post(gw, { documentId: `sha256:${sha256('query Nope { __typename }')}` }, tenant.key);
    expect(unknown.status).toBe(400);
    expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(unknown.body.errors?.[0]?.message).toMatch(/No trusted document has the id sha256:[0-9a-f]{64}: deploy the manifest/);
    const overGet = await get(gw, { documentId: 'f'.repeat(64) }, tenant.key);
    expect(overGet.status).toBe(400);
    expect(codeOf(overGet)).toBe('PERSISTED_QUERY_NOT_FOUND');
    // a long id is not echoed back
    const malformed = await post(gw, { documentId: 'x'.repeat(5000) }, tenant.key);
    expect(malformed.status).toBe(400);
    expect(codeOf(malformed)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(malformed.body.errors?.[0]?.message).not.toContain('xxxx');
  });

  test('a documentId that is not one string, or comes with a query, is 400 BAD_REQUEST', async () => {
    const id = manifest.idOf('ListCustomerNames');
    for (const body of [{ documentId: 42 }, { documentId: [id] }, { documentId: id, query: UNKNOWN_QUERY }]) {
      const result = await post(gw, body, tenant.key);
      expect(result.status).toBe(400);
      expect(codeOf(result)).toBe('BAD_REQUEST');
    }
    const twice = await fetch(`${gw.url}/graphql?documentId=${id}&documentId=${id}`, { headers: { 'apollo-require-preflight': 'true', 'x-api-key': tenant.key } });
    expect(twice.status).toBe(400);
  });

  test('automatic persisted queries keep working: not found, registered, then served by hash', async () => {
    const { first, register, again } = await automaticPersistedQuery(gw, tenant.key, '{ customers(pageSize: 2) { customers { name } } }');
    expect(codeOf(first)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(register.body.errors).toBeUndefined();
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data).toEqual(register.body.data);
  });
});

describe('PERSISTED_DOCUMENTS=off (the default)', () => {
  const { gw, tenant } = useGateway();

  test('a documentId is refused with 400 PERSISTED_QUERY_NOT_SUPPORTED: send the text', async () => {
    const result = await post(gw, { documentId: manifest.idOf('ListCustomerNames') }, tenant.key);
    expect(result.status).toBe(400);
    expect(codeOf(result)).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect(result.body.errors?.[0]?.message).toContain('PERSISTED_DOCUMENTS=off');
  });

  test('any document runs, and automatic persisted queries work', async () => {
    const text = await post(gw, { query: UNKNOWN_QUERY }, tenant.key);
    expect(text.body.errors).toBeUndefined();
    const { first, register, again } = await automaticPersistedQuery(gw, tenant.key, '{ customers(pageSize: 3) { customers { id } } }');
    expect(codeOf(first)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(register.body.errors).toBeUndefined();
    expect(again.body.errors).toBeUndefined();
  });
});

describe('PERSISTED_DOCUMENTS=require: only the manifest runs', () => {
  const { gw, tenant } = useGateway({ PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_MANIFEST: MANIFEST });
  useCustomers(gw, tenant);

  test('documents by id run: documentId over POST and GET with and without sha256:, and extensions.persistedQuery', async () => {
    const id = manifest.idOf('ListCustomerNames');
    const variables = { pageSize: 10 };
    expectRuns(await post(gw, { documentId: id, variables }, tenant.key));
    expectRuns(await post(gw, { documentId: bare(id), variables }, tenant.key));
    expectRuns(await get(gw, { documentId: id, variables: JSON.stringify(variables) }, tenant.key));
    expectRuns(await get(gw, { documentId: bare(id), variables: JSON.stringify(variables) }, tenant.key));
    expectRuns(await post(gw, { variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }, tenant.key));
    expectRuns(await get(gw, { variables: JSON.stringify(variables), extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: bare(id) } }) }, tenant.key));
  });

  test("Apollo Client's persisted-query link with the preset's generated document sends its id, and gets the data", async () => {
    const document = manifest.documentOf('ListCustomerNames');
    expect(document.__meta__?.hash).toBe(manifest.idOf('ListCustomerNames'));
    const bodies: string[] = [];
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.from([
        // The hash the preset put on the document; never fall back to sending the text.
        new PersistedQueryLink({ generateHash: presetHash, retry: () => false }),
        new HttpLink({
          uri: `${gw.url}/graphql`,
          headers: { 'x-api-key': tenant.key },
          fetch: (input, init) => {
            bodies.push(String(init?.body));
            return fetch(input, init);
          },
        }),
      ]),
    });
    const result = await client.query({ query: document, variables: { pageSize: 10 }, fetchPolicy: 'no-cache' });
    const page = result.data as { customers: { customers: { name: string }[] } };
    expect(page.customers.customers.map((customer) => customer.name)).toEqual(['Grace Trusted', 'Ada Trusted']);
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0])).not.toHaveProperty('query');
  });

  test('the exact text of a manifest document runs as a query too', async () => {
    expectRuns(await post(gw, { query: manifest.textOf('ListCustomerNames'), variables: { pageSize: 10 } }, tenant.key));
    expectRuns(await get(gw, { query: manifest.textOf('ListCustomerNames'), variables: JSON.stringify({ pageSize: 10 }) }, tenant.key));
  });

  test('any other text is 400 PERSISTED_QUERY_NOT_IN_LIST, over POST and GET, without touching the database', async () => {
    gw.db.reset();
    for (const result of [await post(gw, { query: UNKNOWN_QUERY }, tenant.key), await get(gw, { query: UNKNOWN_QUERY }, tenant.key), await post(gw, { query: UNKNOWN_QUERY })]) {
      expect(result.status).toBe(400);
      expect(codeOf(result)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(result.body.errors?.[0]?.message).toContain('send the documentId of an operation in its manifest');
    }
    // not even the key was looked up
    expect(gw.db.names()).toEqual([]);
  });

  test('it is refused before parsing and validation: broken or invalid text gets the same answer', async () => {
    for (const query of ['{ customers(', '{ noSuchField }', manifest.textOf('ListCustomerNames') + ' ']) {
      const result = await post(gw, { query }, tenant.key);
      expect(result.status).toBe(400);
      expect(codeOf(result)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    }
  });

  test('an unknown documentId is 400 PERSISTED_QUERY_NOT_FOUND', async () => {
    const result = await post(gw, { documentId: `sha256:${sha256(UNKNOWN_QUERY)}` }, tenant.key);
    expect(result.status).toBe(400);
    expect(codeOf(result)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('automatic persisted queries: an unknown document cannot be registered, so its hash stays unknown', async () => {
    const { first, register, again } = await automaticPersistedQuery(gw, tenant.key, UNKNOWN_QUERY);
    expect(codeOf(first)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(register.status).toBe(400);
    expect(codeOf(register)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf(again)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test("automatic persisted queries of a manifest document (the preset's sha256: id as the hash) run", async () => {
    const text = manifest.textOf('ListCustomerNames');
    const extensions = { persistedQuery: { version: 1, sha256Hash: manifest.idOf('ListCustomerNames') } };
    expectRuns(await post(gw, { query: text, variables: { pageSize: 10 }, extensions }, tenant.key));
    expectRuns(await post(gw, { variables: { pageSize: 10 }, extensions }, tenant.key));
  });

  test('introspection follows GRAPHQL_INTROSPECTION (on outside production); a query mixing it with data is refused', async () => {
    const result = await post(gw, { query: INTROSPECTION });
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const mixed = await post(gw, { query: '{ __typename customers { pagination { page } } }' }, tenant.key);
    expect(codeOf(mixed)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  test('the REST endpoints, which call the services directly, keep working', async () => {
    const other = await gw.tenantWithKey();
    const headers = { 'x-api-key': other.key, 'content-type': 'application/json' };
    const created = await fetch(`${gw.url}/customers`, { method: 'POST', headers, body: JSON.stringify({ name: 'Made Over REST' }) });
    expect(created.status).toBe(201);
    const { customer_id: id } = (await created.json()) as { customer_id: string };
    const read = await fetch(`${gw.url}/customers/${id}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ customer_id: id, name: 'Made Over REST' });
    const list = await fetch(`${gw.url}/customers`, { headers });
    expect(list.status).toBe(200);
    expect(JSON.stringify(await list.json())).toContain('Made Over REST');
  });
});

describe('PERSISTED_DOCUMENTS=require in production, introspection off (the default)', () => {
  const { gw, tenant } = useGateway({ NODE_ENV: 'production', PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_MANIFEST: MANIFEST });

  test('introspection is 400 PERSISTED_QUERY_NOT_IN_LIST; trusted documents run', async () => {
    const introspection = await post(gw, { query: INTROSPECTION });
    expect(introspection.status).toBe(400);
    expect(codeOf(introspection)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const typename = await post(gw, { query: '{ __typename }' }, tenant.key);
    expect(codeOf(typename)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const trusted = await post(gw, { documentId: manifest.idOf('ListCustomerNames'), variables: { pageSize: 1 } }, tenant.key);
    expect(trusted.status).toBe(200);
    expect(trusted.body.errors).toBeUndefined();
  });
});

describe('PERSISTED_DOCUMENTS=require in production with GRAPHQL_INTROSPECTION=true', () => {
  const { gw, tenant } = useGateway({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_MANIFEST: MANIFEST });

  test('introspection runs; other texts are still refused', async () => {
    const introspection = await post(gw, { query: INTROSPECTION });
    expect(introspection.status).toBe(200);
    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const other = await post(gw, { query: UNKNOWN_QUERY }, tenant.key);
    expect(codeOf(other)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });
});

describe('PERSISTED_DOCUMENTS=allow in production', () => {
  const { gw, tenant } = useGateway({ NODE_ENV: 'production', PERSISTED_DOCUMENTS: 'allow', PERSISTED_DOCUMENTS_MANIFEST: MANIFEST });

  test('introspection stays off as GRAPHQL_INTROSPECTION says; documents by id and other texts run', async () => {
    const introspection = await post(gw, { query: INTROSPECTION });
    expect(introspection.status).toBe(400);
    expect(codeOf(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
    const trusted = await post(gw, { documentId: manifest.idOf('ListCustomerNames'), variables: { pageSize: 1 } }, tenant.key);
    expect(trusted.body.errors).toBeUndefined();
    const other = await post(gw, { query: UNKNOWN_QUERY }, tenant.key);
    expect(other.body.errors).toBeUndefined();
  });
});

describe('bad PERSISTED_DOCUMENTS settings stop the start with a message naming the problem', () => {
  let tampered: string;
  let sha1Dir: string;
  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-if-needed.js', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    // one document edited after generation: its id no longer matches its text
    const entries = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
    const id = manifest.idOf('GetCustomer');
    entries[id] = entries[id].replace('customer(id: $id)', 'customers');
    tampered = path.join(DIR, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(entries));
    writeFileSync(path.join(DIR, 'broken.json'), '{"sha256:');
    writeFileSync(path.join(DIR, 'list.json'), '[]');
    // the preset's other algorithm
    sha1Dir = manifestDir();
    await generateManifest(sha1Dir, 'sha1');
  }, 180_000);
  afterAll(() => rmSync(sha1Dir, { recursive: true, force: true }));

  function startError(env: Record<string, string>): string {
    try {
      execFileSync(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe', timeout: 20_000 });
    } catch (error) {
      expect((error as { status: number }).status).toBe(1);
      return String((error as { stderr: Buffer }).stderr);
    }
    throw new Error('the gateway started');
  }

  test.each([
    [{ PERSISTED_DOCUMENTS: 'strict' }, /PERSISTED_DOCUMENTS must be off, allow or require \(got "strict"\)/],
    [{ PERSISTED_DOCUMENTS: 'require' }, /PERSISTED_DOCUMENTS=require needs PERSISTED_DOCUMENTS_MANIFEST/],
    [{ PERSISTED_DOCUMENTS: 'allow' }, /PERSISTED_DOCUMENTS=allow needs PERSISTED_DOCUMENTS_MANIFEST/],
    [{ PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_MANIFEST: '/nonexistent/persisted-documents.json' }, /PERSISTED_DOCUMENTS_MANIFEST \/nonexistent\/persisted-documents.json cannot be read \(ENOENT\)/],
  ])('%j', (env, message) => {
    expect(startError(env)).toMatch(message);
  });

  test('a manifest that is not JSON, or not an object', () => {
    expect(startError({ PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_MANIFEST: path.join(DIR, 'broken.json') })).toMatch(/broken\.json is not valid JSON/);
    expect(startError({ PERSISTED_DOCUMENTS: 'allow', PERSISTED_DOCUMENTS_MANIFEST: path.join(DIR, 'list.json') })).toMatch(/list\.json is not a JSON object from document ids to document texts/);
    // with the default (off) a manifest that is set is checked too, before anyone switches
    expect(startError({ PERSISTED_DOCUMENTS_MANIFEST: path.join(DIR, 'broken.json') })).toMatch(/broken\.json is not valid JSON/);
  });

  test('an entry whose id does not match its document names the entry', () => {
    const stderr = startError({ PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_MANIFEST: tampered });
    expect(stderr).toContain(`entry "${manifest.idOf('GetCustomer')}" does not match its document: the SHA-256 of its text is sha256:`);
  });

  test('a manifest generated with hashAlgorithm sha1 is refused, saying which setting to use', () => {
    const stderr = startError({ PERSISTED_DOCUMENTS: 'allow', PERSISTED_DOCUMENTS_MANIFEST: manifestFile(sha1Dir) });
    expect(stderr).toMatch(/entry "[0-9a-f]{40}" is not a SHA-256 document id, sha256:<64 hex digits> \(it looks like SHA-1: .*hashAlgorithm, 'sha256'\)/);
  });
});

describe('persistedOperationNames: the bounded set of operation names (for metrics labels)', () => {
  test('lists every named operation of the loaded manifest once, sorted; nothing without a manifest', () => {
    const names = persistedOperationNames(loadConfig({ PERSISTED_DOCUMENTS: 'allow', PERSISTED_DOCUMENTS_MANIFEST: MANIFEST }));
    const expected = [...new Set(Object.values(manifest.entries).flatMap((text) => [...text.matchAll(/(?:query|mutation|subscription) (\w+)/g)].map((match) => match[1])))].sort();
    expect(names).toEqual(expected);
    expect(names).toContain('ListCustomerNames');
    expect(names).toContain('CreateCustomer');
    expect(persistedOperationNames(loadConfig({}))).toEqual([]);
  });
});

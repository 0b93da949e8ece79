import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { GraphQLGenerator, GraphQLRequest } from './graphql';
import type { IdPools } from './pools';
import * as pools from './pools';
import { Random } from './random';
import type { RestGenerator } from './rest';
import type { FuzzRequest } from './transport';
import type { Value } from './values';
import { Deep, toJson } from './values';

export const FAMILIES = ['graphql', 'graphql-document', 'graphql-envelope', 'rest', 'rest-envelope', 'http'] as const;
export type Family = (typeof FAMILIES)[number];

export interface FuzzCase {
  seed: number;
  index: number;
  family: Family;
  request: FuzzRequest;
}

export interface CaseContext {
  readonly graphql: GraphQLGenerator;
  readonly rest: RestGenerator;
  /** The fuzzing tenant's API key. */
  readonly key: string;
  readonly ids: IdPools;
  /** Families to leave out (e.g. one whose known fault another change fixes). */
  readonly skip?: ReadonlySet<Family>;
}

const WEIGHTS: readonly (readonly [number, Family])[] = [
  [38, 'graphql'],
  [10, 'graphql-document'],
  [12, 'graphql-envelope'],
  [26, 'rest'],
  [7, 'rest-envelope'],
  [7, 'http'],
];

type Headers = [string, string][];

/** The case with this index in the run with this seed: the same on every run. */
export function generateCase(seed: number, index: number, context: CaseContext): FuzzCase {
  const rng = new Random(seed, index);
  const weights = WEIGHTS.filter(([, family]) => !context.skip?.has(family));
  const family = rng.weighted(weights);
  const request = FAMILY_BUILDERS[family](rng, context);
  if (request.kind === 'http' && !request.headers.some(([name]) => name.toLowerCase() === 'x-request-id')) {
    request.headers.push(['x-request-id', requestIdFor(seed, index)]);
  }
  return { seed, index, family, request };
}

/** The request id a case sends, so the gateway's log lines can be traced back to it. */
export function requestIdFor(seed: number, index: number): string {
  return `fuzz-${seed}-${index}`;
}

const FAMILY_BUILDERS: Record<Family, (rng: Random, context: CaseContext) => FuzzRequest> = {
  graphql: (rng, context) => graphqlPost(rng, context, context.graphql.request(rng)),
  'graphql-document': (rng, context) => graphqlPost(rng, context, hostileDocument(rng, context)),
  'graphql-envelope': graphqlEnvelope,
  rest: (rng, context) => {
    const call = context.rest.request(rng);
    return { kind: 'http', method: call.method, path: call.path, headers: [...keyHeaders(rng, context.key), ...jsonType(call.body)], body: utf8(call.body) };
  },
  'rest-envelope': restEnvelope,
  http: malformedHttp,
};

const utf8 = (text: string | undefined): Buffer | undefined => (text === undefined ? undefined : Buffer.from(text, 'utf8'));
const jsonType = (body: string | undefined): Headers => (body === undefined ? [] : [['Content-Type', 'application/json']]);

/** The API key, mostly right, sometimes missing, malformed or in another header. */
function keyHeaders(rng: Random, key: string): Headers {
  return rng.weighted<() => Headers>([
    [90, () => [['X-API-Key', key]]],
    [2, () => []],
    [1, () => [['Authorization', `Bearer ${key}`]]],
    [1, () => [['Authorization', rng.pick(['Bearer', 'Basic dXNlcjpwYXNz', `Bearer ${key} extra`, 'bearer  '])]]],
    [2, () => [['X-API-Key', rng.pick(['your-api-key', 'lomi_test_', 'lomi_live_' + 'a'.repeat(43), key.slice(0, -1), key + 'x', ' ', key.toUpperCase(), 'k'.repeat(8000), '%00'])]]],
    [1, () => [['X-API-Key', key], ['X-API-Key', 'lomi_test_other']]],
    [1, () => [['X-API-Key', Buffer.from('clé-é', 'utf8').toString('latin1')]]],
  ])();
}

function graphqlBody(request: GraphQLRequest): string {
  const body: { [key: string]: Value } = { query: request.query };
  if (request.variables !== undefined) body.variables = request.variables;
  if (request.operationName !== undefined) body.operationName = request.operationName;
  return toJson(body);
}

function graphqlPost(rng: Random, context: CaseContext, request: GraphQLRequest): FuzzRequest {
  const body = graphqlBody(request);
  return { kind: 'http', method: 'POST', path: '/graphql', headers: [...keyHeaders(rng, context.key), ['Content-Type', 'application/json']], body: utf8(body) };
}

/** Documents no schema-driven generator would write: broken, huge, deep, odd operations. */
function hostileDocument(rng: Random, context: CaseContext): GraphQLRequest {
  const base = context.graphql.request(rng);
  const query = base.query;
  return rng.weighted<() => GraphQLRequest>([
    [3, () => ({ ...base, query: query.slice(0, rng.int(0, query.length)) })],
    [3, () => {
      const at = rng.int(0, query.length);
      return { ...base, query: query.slice(0, at) + rng.pick(['{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '"', '"""', '\\', '#', '...', '\u0000', 'é', '\ud800', '\n']) + query.slice(at) };
    }],
    [1, () => ({ query: `{ ${Array.from({ length: rng.pick([100, 1_000, 5_000]) }, (_, i) => `a${i}: __typename`).join(' ')} }` })],
    [1, () => ({ query: `{ ${Array.from({ length: rng.pick([10, 60, 300]) }, (_, i) => `c${i}: customers { pagination { totalCount } }`).join(' ')} }` })],
    [1, () => ({ query: `{ customers(search: ${'['.repeat(rng.pick([10, 1_000, 5_000, 20_000]))}"x"${']'.repeat(0)} }` })],
    [1, () => ({ query: `{ customers(search: ${deepLiteralText(rng)}) { pagination { page } } }` })],
    [1, () => ({ query: 'query Q($s: String) { customers(search: $s) { pagination { page } } }', variables: { s: new Deep(rng.pick([10, 5_000, 20_000]), 'array') } })],
    [1, () => ({ query: `mutation M($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, variables: { i: { name: 'Deep', metadata: { d: new Deep(rng.pick([6, 5_000, 20_000]), rng.chance(0.5) ? 'array' : 'object') } } } })],
    [1, () => ({ query: `{ __typename ${'@include(if: true) '.repeat(rng.pick([10, 500, 3_000]))}}` })],
    [1, () => ({ query: `query { ...F0 } ${Array.from({ length: rng.pick([5, 50, 500]) }, (_, i) => `fragment F${i} on Query { ...F${i + 1} __typename }`).join(' ')} fragment F${rng.pick([5, 50, 500])} on Query { __typename }` })],
    [1, () => ({ query: 'fragment A on Query { ...B } fragment B on Query { ...A } { ...A }' })],
    [1, () => ({ query: rng.pick(['subscription { customers { pagination { page } } }', 'subscription S { __typename }']) })],
    [1, () => ({ query: rng.pick(['{ __schema { types { name fields { name args { name } } } } }', '{ __type(name: "Customer") { fields { name } } }', '{ __schema { queryType { name } } }']) })],
    [1, () => ({ query: 'query A { __typename } query B { __typename }', ...(rng.chance(0.7) ? { operationName: rng.pick(['A', 'C', '']) } : {}) })],
    [1, () => ({ query: rng.pick(['', ' ', '#', '{}', '{ }', 'query', 'mutation', '\ufeff{ __typename }', '{ __typename }\u0000', 'x'.repeat(50_000)]) })],
    [1, () => ({ query: `{ customers(search: """${pools.hostileString(rng)}""") { pagination { page } } }` })],
  ])();
}

function deepLiteralText(rng: Random): string {
  const depth = rng.pick([10, 1_000, 5_000, 20_000]);
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{a:'.repeat(depth) + '1' + '}'.repeat(depth);
}

let cachedBomb: Buffer | undefined;
/** 5 MB of spaces gzipped to a few KB: past the body limit only once inflated. */
function gzipBomb(): Buffer {
  cachedBomb ??= zlib.gzipSync(Buffer.alloc(5 * 1024 * 1024, ' '));
  return cachedBomb;
}

/** A body in some encoding: right, corrupt, unknown, or inflating past the limit. */
function encoded(rng: Random, body: Buffer): { headers: Headers; body: Buffer } {
  const corrupt = Buffer.from([1, 2, 3, 4, 5]);
  return rng.weighted<() => { headers: Headers; body: Buffer }>([
    [2, () => ({ headers: [['Content-Encoding', 'gzip']], body: zlib.gzipSync(body) })],
    [1, () => ({ headers: [['Content-Encoding', 'deflate']], body: zlib.deflateSync(body) })],
    [1, () => ({ headers: [['Content-Encoding', 'br']], body: zlib.brotliCompressSync(body) })],
    [2, () => ({ headers: [['Content-Encoding', rng.pick(['gzip', 'deflate', 'br'])]], body: corrupt })],
    [1, () => ({ headers: [['Content-Encoding', 'gzip']], body: zlib.gzipSync(body).subarray(0, 12) })],
    [1, () => ({ headers: [['Content-Encoding', rng.pick(['compress', 'zstd', 'identity', 'gzip, gzip', 'x-unknown', 'GZIP'])]], body })],
    [1, () => ({ headers: [['Content-Encoding', 'gzip']], body: gzipBomb() })],
  ])();
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1',
  'application/json; charset=nope', 'text/plain', 'application/graphql', 'application/graphql-response+json',
  'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/*', '*/*', 'json', '', 'application/json;;;',
  'application/vnd.api+json', 'text/html',
];

function persistedQuery(rng: Random, query: string): { [key: string]: Value } {
  const sha = createHash('sha256').update(query).digest('hex');
  return rng.weighted<() => { [key: string]: Value }>([
    [1, () => ({})],
    [1, () => ({ version: 2, sha256Hash: sha })],
    [1, () => ({ version: 1, sha256Hash: 'a'.repeat(64) })],
    [1, () => ({ version: 1, sha256Hash: sha })],
    [1, () => ({ version: '1', sha256Hash: sha })],
    [1, () => ({ version: 1, sha256Hash: rng.pick([1, null, '', 'é', 'x'.repeat(5000)]) as Value })],
    [1, () => ({ version: 1 })],
  ])();
}

/** The GraphQL-over-HTTP envelope: methods, content types, body shapes, extensions, encodings. */
function graphqlEnvelope(rng: Random, context: CaseContext): FuzzRequest {
  const operation = context.graphql.request(rng);
  const key = keyHeaders(rng, context.key);
  const post = (body: string | Buffer, headers: Headers = [['Content-Type', 'application/json']]): FuzzRequest => ({
    kind: 'http',
    method: 'POST',
    path: '/graphql',
    headers: [...key, ...headers],
    body: typeof body === 'string' ? utf8(body) : body,
  });
  const json = graphqlBody(operation);
  return rng.weighted<() => FuzzRequest>([
    [3, () => {
      const params = new URLSearchParams({ query: operation.query });
      if (operation.variables && rng.chance(0.7)) params.set('variables', toJson(operation.variables));
      if (operation.operationName) params.set('operationName', operation.operationName);
      if (rng.chance(0.2)) params.set('extensions', toJson({ persistedQuery: persistedQuery(rng, operation.query) }));
      const preflight: Headers = rng.chance(0.8) ? [['Apollo-Require-Preflight', 'true']] : [];
      return { kind: 'http', method: rng.chance(0.9) ? 'GET' : 'HEAD', path: `/graphql?${params.toString()}`, headers: [...key, ...preflight] };
    }],
    [3, () => post(json, rng.chance(0.8) ? [['Content-Type', rng.pick(CONTENT_TYPES)]] : [])],
    [3, () => post(toJson({ query: operation.query, variables: operation.variables ?? null, extensions: { persistedQuery: persistedQuery(rng, operation.query) } }))],
    [2, () => {
      const hash = persistedQuery(rng, operation.query);
      return post(toJson({ extensions: { persistedQuery: hash }, variables: operation.variables ?? null }));
    }],
    [3, () => post(toJson({ query: rng.chance(0.5) ? pools.hostileValue(rng) : operation.query, variables: rng.chance(0.5) ? pools.hostileValue(rng) : (operation.variables ?? null), operationName: rng.chance(0.5) ? pools.hostileValue(rng) : (operation.operationName ?? null), extensions: rng.chance(0.3) ? pools.hostileValue(rng) : null }))],
    [2, () => post(rng.pick([`[${json},${json}]`, '[]', 'null', '1', '"query"', 'true', '{}', `{"query":${JSON.stringify(operation.query)},"query":"{ __typename }"}`, `\ufeff${json}`, `${json}garbage`, json.slice(0, rng.int(0, json.length))]))],
    [3, () => {
      const { headers, body } = encoded(rng, Buffer.from(json, 'utf8'));
      return post(body, [['Content-Type', 'application/json'], ...headers]);
    }],
    [1, () => post(Buffer.concat([Buffer.from('{"query":"{ __typename }","operationName":"', 'utf8'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}', 'utf8')]))],
    [1, () => post(Buffer.from(json, 'utf16le'), [['Content-Type', 'application/json; charset=utf-16le']])],
    [1, () => post(`{"query":"{ __typename }","pad":"${' '.repeat(rng.pick([99_000, 120_000, 1_000_000]))}"}`)],
    [1, () => ({ kind: 'http', method: rng.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']), path: '/graphql', headers: [...key, ['Content-Type', 'application/json']], body: utf8(json) })],
    [1, () => ({ kind: 'http', method: 'GET', path: '/graphql', headers: [['Accept', rng.pick(['text/html', 'application/json', '*/*', 'text/html;q=0'])]] })],
  ])();
}

/** REST with bodies in odd encodings, types and sizes, on any path, including unknown ones. */
function restEnvelope(rng: Random, context: CaseContext): FuzzRequest {
  const call = context.rest.request(rng);
  const body = Buffer.from(call.body ?? toJson({ name: pools.name(rng) }), 'utf8');
  const key = keyHeaders(rng, context.key);
  const method = call.method === 'GET' || call.method === 'DELETE' ? rng.pick(['POST', 'PATCH']) : call.method;
  return rng.weighted<() => FuzzRequest>([
    [3, () => {
      const { headers, body: sent } = encoded(rng, body);
      return { kind: 'http', method, path: call.path, headers: [...key, ['Content-Type', 'application/json'], ...headers], body: sent };
    }],
    [2, () => ({ kind: 'http', method, path: call.path, headers: [...key, ['Content-Type', rng.pick(CONTENT_TYPES)]], body })],
    [1, () => ({ kind: 'http', method, path: call.path, headers: [...key, ['Content-Type', 'application/json']], body: Buffer.concat([Buffer.from('{"name":"', 'utf8'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}', 'utf8')]) })],
    [1, () => ({ kind: 'http', method, path: call.path, headers: [...key, ['Content-Type', 'application/json']], body: Buffer.from(`{"name":"A","address":"${'x'.repeat(rng.pick([90_000, 200_000]))}"}`, 'utf8') })],
    [1, () => ({ kind: 'http', method, path: call.path, headers: [...key, ['Content-Type', 'application/json']], body: Buffer.from(rng.pick(['{"name": "A",', 'null', '', '[', '{"name":"A"}{"name":"B"}', '{"name":"A","name":"B"}', '{"__proto__":{"name":"x"}}', '\ufeff{"name":"A"}']), 'utf8') })],
    [1, () => ({ kind: 'http', method: rng.pick(['GET', 'DELETE', 'HEAD', 'OPTIONS']), path: rng.pick(['/', '/customers/', '/customers//', '/Customers', '/customers?', '/openapi.json', '/health', '/ready', '/graphql/', '/favicon.ico', '/customers/%2e%2e/health', '/%2e%2e/%2e%2e/etc/passwd', `/${'a'.repeat(3000)}`]), headers: key })],
  ])();
}

const CRLF = '\r\n';

/** Bytes that are not (quite) HTTP: request lines, header sizes and framing a parser must refuse. */
function malformedHttp(rng: Random, context: CaseContext): FuzzRequest {
  const key = `X-API-Key: ${context.key}${CRLF}`;
  const get = (path: string, headers = '') => Buffer.from(`GET ${path} HTTP/1.1${CRLF}Host: localhost${CRLF}${key}${headers}Connection: close${CRLF}${CRLF}`, 'latin1');
  const post = (headers: string, body: string) => Buffer.from(`POST /customers HTTP/1.1${CRLF}Host: localhost${CRLF}${key}Content-Type: application/json${CRLF}${headers}Connection: close${CRLF}${CRLF}${body}`, 'latin1');
  const bytes = rng.weighted<() => Buffer>([
    [3, () => get(`/customers?search=${'a'.repeat(rng.pick([17_000, 100_000]))}`)],
    [3, () => get('/customers', `X-Padding: ${'p'.repeat(rng.pick([17_000, 60_000]))}${CRLF}`)],
    [1, () => get('/customers', Array.from({ length: 3_000 }, (_, i) => `X-H${i}: v${CRLF}`).join(''))],
    [2, () => Buffer.from(rng.pick([
      `GARBAGE${CRLF}${CRLF}`,
      `GET /customers HTTP/9.9${CRLF}Host: x${CRLF}${CRLF}`,
      `GET /customers${CRLF}${CRLF}`,
      `G@T /customers HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET  /customers  HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET /customers HTTP/1.1${CRLF}${CRLF}`,
      `GET /customers HTTP/1.1${CRLF}Host: x${CRLF}Bad Header: x${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET /customers HTTP/1.1${CRLF}Host: x${CRLF}X-Fold: a${CRLF} folded${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET /customers HTTP/1.1${CRLF}Host: x${CRLF}X-Nul: a\u0000b${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET http://evil.example/customers HTTP/1.1${CRLF}Host: x${CRLF}${key}Connection: close${CRLF}${CRLF}`,
      `OPTIONS * HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
      `CONNECT localhost:80 HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET /customers HTTP/1.0${CRLF}${key}${CRLF}`,
      `\u0000\u0001\u0002${CRLF}${CRLF}`,
      `GET /cust\u00e9mers HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`,
      `GET /customers HTTP/1.1${CRLF}Host: x${CRLF}Upgrade: h2c${CRLF}Connection: Upgrade, close${CRLF}${CRLF}`,
      `GET /customers HTTP/1.1${CRLF}Host: x${CRLF}Upgrade: websocket${CRLF}Connection: Upgrade${CRLF}Sec-WebSocket-Key: dGhlIHNhbXBsZQ==${CRLF}Sec-WebSocket-Version: 13${CRLF}${CRLF}`,
      `PRI * HTTP/2.0${CRLF}${CRLF}SM${CRLF}${CRLF}`,
    ]), 'latin1')],
    [2, () => post(`Content-Length: 5${CRLF}Transfer-Encoding: chunked${CRLF}`, `5${CRLF}{"na"${CRLF}0${CRLF}${CRLF}`)],
    [1, () => post(`Content-Length: 3${CRLF}Content-Length: 4${CRLF}`, '{"a"')],
    [1, () => post(`Content-Length: -1${CRLF}`, '{}')],
    [1, () => post(`Content-Length: abc${CRLF}`, '{}')],
    [1, () => post(`Transfer-Encoding: chunked${CRLF}`, `zz${CRLF}{}${CRLF}0${CRLF}${CRLF}`)],
    [1, () => post(`Transfer-Encoding: chunked${CRLF}`, `d${CRLF}{"name":"A"}${CRLF}0${CRLF}${CRLF}`)],
    [1, () => post(`Transfer-Encoding: gzip, chunked${CRLF}`, `2${CRLF}{}${CRLF}0${CRLF}${CRLF}`)],
    [1, () => post(`Content-Length: 2${CRLF}`, `{}GET /health HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`)],
    [1, () => post(`Expect: 100-continue${CRLF}Content-Length: 12${CRLF}`, '{"name":"A"}')],
    [1, () => post(`Expect: the-unexpected${CRLF}Content-Length: 12${CRLF}`, '{"name":"A"}')],
  ])();
  return { kind: 'raw', bytes };
}

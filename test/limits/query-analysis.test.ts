import { getIntrospectionQuery, getNamedType, isListType, isObjectType, getNullableType } from 'graphql';
import { buildGatewaySchema } from '../../src/schema';
import { DOMAIN_PRICES, introspectionPrices } from '../../src/limits/prices';
import type { GqlResponse, TestGateway } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';

/** Fragments that double at each level: `levels` levels ask for 2^levels fields in about 40 bytes a level. */
function doublingFragments(levels: number): string {
  const lines = [`query Doubling { ...F${levels} }`, 'fragment F0 on Query { __typename }'];
  for (let i = 1; i <= levels; i++) lines.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return lines.join('\n');
}

/** POSTs a GraphQL body and gives up after `timeoutMs`, so a hanging gateway fails the test instead of the run. */
async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<GqlResponse & { ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'object' && body !== null && 'raw' in body ? String(body.raw) : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as GqlResponse['body'], ms: performance.now() - started, bytes: text.length };
}

function expectCode(response: GqlResponse, status: number, code: string): string {
  expect(response.status).toBe(status);
  const [error] = response.body.errors ?? [];
  expect(error?.extensions?.code).toBe(code);
  expect(error?.message).not.toMatch(/call stack|RangeError|Internal server error/i);
  return error?.message ?? '';
}

const SIMPLE = '{ customers(pageSize: 1) { customers { id } } }';

describe('query analysis cannot be turned against the server (default limits)', () => {
  const { gw, tenant } = useGateway({}, { countCalls: true });

  it('refuses fragments that double at each of 30 levels (about 1 KB) at once, with or without a key, without delaying others', async () => {
    const query = doublingFragments(30);
    expect(query.length).toBeLessThan(1_300);
    // Control: the simple query alone, measured here.
    const alone: number[] = [];
    for (let i = 0; i < 5; i++) alone.push((await post(gw, { query: SIMPLE }, { 'x-api-key': tenant.key })).ms);
    const control = Math.max(...alone);

    const attacks = ([{ 'x-api-key': tenant.key }, {}, { 'x-api-key': tenant.key }, {}] as Record<string, string>[]).map((headers) => post(gw, { query }, headers));
    const during = post(gw, { query: SIMPLE }, { 'x-api-key': tenant.key });
    for (const attack of await Promise.all(attacks)) {
      expect(expectCode(attack, 400, 'QUERY_TOO_COMPLEX')).toMatch(/costs \d+; the maximum is 200000/);
      // Milliseconds, not seconds: generous against a loaded machine, far from the expansion's minutes.
      expect(attack.ms).toBeLessThan(2_000);
    }
    const simple = await during;
    expect(simple.status).toBe(200);
    expect(simple.ms).toBeLessThan(Math.max(10 * control, control + 1_000));
    expect(gw.db.names()).toEqual(['fetch_customers_with_status', 'fetch_customers_with_status', 'fetch_customers_with_status', 'fetch_customers_with_status', 'fetch_customers_with_status', 'fetch_customers_with_status']);
  });

  it('refuses a 5,000-deep literal before parsing, with a message of its own', async () => {
    const deepList = `${'['.repeat(5_000)}1${']'.repeat(5_000)}`;
    for (const query of [`{ customers(search: ${deepList}) { customers { id } } }`, `{ customers(search: ${'{a:'.repeat(5_000)}1${'}'.repeat(5_000)}) { customers { id } } }`]) {
      for (const headers of [{ 'x-api-key': tenant.key }, {}] as Record<string, string>[]) {
        const message = expectCode(await post(gw, { query }, headers), 400, 'QUERY_TOO_COMPLEX');
        expect(message).toMatch(/nests brackets more than 64 levels deep/);
      }
    }
    expect(gw.db.names()).toEqual([]);
  });

  it('answers a 5,000-deep variable with a coded client error of its own, never a stack overflow', async () => {
    // 5,000 levels of objects and lists, written as text (JSON.stringify itself would overflow).
    const deep = `${'{"a":['.repeat(2_500)}"x"${']}'.repeat(2_500)}`;
    const create = JSON.stringify('mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }');
    const response = await post(gw, { raw: `{"query":${create},"variables":{"input":{"name":"Deep","metadata":${deep}}}}` }, { 'x-api-key': tenant.key });
    // A field error of the metadata rule, as for any metadata nested too deep.
    expect(expectCode(response, 200, 'BAD_USER_INPUT')).toMatch(/metadata must be nested at most \d+ levels deep/);
    const search = JSON.stringify('query ($s: String) { customers(search: $s) { customers { id } } }');
    const scalar = await post(gw, { raw: `{"query":${search},"variables":{"s":${deep}}}` }, { 'x-api-key': tenant.key });
    expect(expectCode(scalar, 400, 'BAD_USER_INPUT')).toMatch(/String cannot represent a non string value/);
    expect(gw.db.names()).toEqual([]);
  });

  it('refuses more tokens than MAX_QUERY_TOKENS before parsing', async () => {
    const query = `{ ${Array.from({ length: 5_001 }, () => '__typename').join(' ')} }`;
    const message = expectCode(await post(gw, { query }, { 'x-api-key': tenant.key }), 400, 'QUERY_TOO_COMPLEX');
    expect(message).toMatch(/more than 5000 tokens/);
  });

  it('caps aliases, directives and fragment spreads per document', async () => {
    const aliases = `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect(expectCode(await post(gw, { query: aliases }, { 'x-api-key': tenant.key }), 400, 'QUERY_TOO_COMPLEX')).toMatch(/51 aliases; the maximum is 50/);
    const directives = `{ ${Array.from({ length: 51 }, () => '__typename @include(if: true)').join(' ')} }`;
    expect(expectCode(await post(gw, { query: directives }, {}), 400, 'QUERY_TOO_COMPLEX')).toMatch(/51 directives; the maximum is 50/);
    const spreads = `{ ${Array.from({ length: 201 }, () => '...T').join(' ')} } fragment T on Query { __typename }`;
    expect(expectCode(await post(gw, { query: spreads }, { 'x-api-key': tenant.key }), 400, 'QUERY_TOO_COMPLEX')).toMatch(/201 fragment spreads; the maximum is 200/);
    // At the caps, served.
    const fifty = `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect((await post(gw, { query: fifty }, { 'x-api-key': tenant.key })).status).toBe(200);
    expect(gw.db.names()).toEqual([]);
  });

  it('prices totalCount as a count: 300 aliased counts are refused before any database call', async () => {
    const one = await post(gw, { query: '{ customers(pageSize: 1) { pagination { totalCount } } }' }, { 'x-api-key': tenant.key });
    expect(one.status).toBe(200);
    // 1 (customers) + 1 (pagination) + 1000 (a count)
    expect(one.body.extensions?.cost).toBe(1_002);
    gw.db.reset();
    const counts = `{ ${Array.from({ length: 300 }, (_, i) => `c${i}: customers(pageSize: 1) { pagination { totalCount } }`).join(' ')} }`;
    expectCode(await post(gw, { query: counts }, { 'x-api-key': tenant.key }), 400, 'QUERY_TOO_COMPLEX');
    expect(gw.db.names()).toEqual([]);
  });

  it('runs at most 2 database calls of one request at once', async () => {
    const query = `{ ${Array.from({ length: 12 }, (_, i) => `c${i}: customers(pageSize: 1, search: "n${i}") { customers { id } pagination { totalCount } }`).join(' ')} }`;
    const response = await post(gw, { query }, { 'x-api-key': tenant.key });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(gw.db.names()).toHaveLength(24);
    expect(gw.db.maxInFlight).toBe(2);
  });

  it('answers a subscription with 400 BAD_REQUEST saying subscriptions are not supported, and logs no error', async () => {
    const logLines: string[] = [];
    const logged = await startGateway({}, { logLines });
    try {
      const { key: own } = await logged.tenantWithKey();
      for (const headers of [{ 'x-api-key': own }, {}] as Record<string, string>[]) {
        const response = await post(logged, { query: 'subscription { customers { customers { id } } }' }, headers);
        expect(expectCode(response, 400, 'BAD_REQUEST')).toMatch(/Subscriptions are not supported/);
      }
      const levels = logLines.map((line) => (JSON.parse(line) as { level: number | string }).level);
      expect(levels.filter((level) => level === 'error' || (typeof level === 'number' && level >= 50))).toEqual([]);
    } finally {
      await logged.close();
    }
  });
});

describe('introspection without an API key is bounded', () => {
  const { gw } = useGateway({ INTROSPECTION_RATE_LIMIT: '5' });

  it('costs introspection by the sizes of its lists', async () => {
    const full = await post(gw, { query: getIntrospectionQuery({ descriptions: true }) });
    expect(full.status).toBe(200);
    const fullCost = Number(full.body.extensions?.cost);
    expect(fullCost).toBeGreaterThan(1_000);
    // Types inside types inside types: each level multiplies by the schema's widest list.
    // Within Apollo's introspection depth rule (at most two nested `fields`), yet each level
    // multiplies by the schema's widest list.
    const nested = '{ __schema { types { fields { args { type { fields { args { type { name enumValues { name } } } } } } } } } }';
    expectCode(await post(gw, { query: nested }), 400, 'QUERY_TOO_COMPLEX');
  });

  it('a 72 KB introspection request cannot produce megabytes', async () => {
    const copy = (i: number) => `s${i}: __schema { types { name description fields { name description args { name description } } } }`;
    let copies = 1;
    while (`{ ${Array.from({ length: copies + 1 }, (_, i) => copy(i)).join(' ')} }`.length < 72 * 1024) copies++;
    const query = `{ ${Array.from({ length: copies }, (_, i) => copy(i)).join(' ')} }`;
    expect(query.length).toBeGreaterThan(70 * 1024);
    const refused = await post(gw, { query });
    expectCode(refused, 400, 'QUERY_TOO_COMPLEX');
    expect(refused.bytes).toBeLessThan(2_000);
    // The same without the alias cap: refused by cost, still before running.
    const wide = await startGateway({ MAX_QUERY_ALIASES: '100000', MAX_QUERY_TOKENS: '100000' });
    try {
      const byCost = await post(wide, { query });
      expect(expectCode(byCost, 400, 'QUERY_TOO_COMPLEX')).toMatch(/^The introspection query costs \d+; the maximum for introspection is \d+ \(twice the full standard introspection query\)/);
      expect(byCost.bytes).toBeLessThan(2_000);
    } finally {
      await wide.close();
    }
  });

  it('rate-limits introspection without a key per client address (INTROSPECTION_RATE_LIMIT)', async () => {
    const limited = await startGateway({ INTROSPECTION_RATE_LIMIT: '3' });
    try {
      const query = '{ __schema { queryType { name } } }';
      for (let i = 0; i < 3; i++) expect((await post(limited, { query })).status).toBe(200);
      const refused = await post(limited, { query });
      expect(expectCode(refused, 429, 'RATE_LIMITED')).toMatch(/at most 3 per minute/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // With a key, introspection is the tenant's and not limited per address.
      const { key } = await limited.tenantWithKey();
      expect((await post(limited, { query }, { 'x-api-key': key })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('every list field of the served schema has a price', () => {
  it('is priced in src/limits/prices.ts (a list, a page, a count) or is the items of a priced page', async () => {
    const schema = await buildGatewaySchema();
    const priced = new Set([...Object.keys(DOMAIN_PRICES), ...Object.keys(introspectionPrices(schema))]);
    for (const [name, price] of Object.entries(DOMAIN_PRICES)) {
      if (price.kind !== 'page') continue;
      const [typeName, fieldName] = name.split('.');
      const field = schema.getType(typeName);
      const pageType = isObjectType(field) ? getNamedType(field.getFields()[fieldName].type) : undefined;
      for (const item of price.items) priced.add(`${pageType?.name}.${item}`);
    }
    const unpriced: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (isListType(getNullableType(field.type)) && !priced.has(`${type.name}.${field.name}`)) unpriced.push(`${type.name}.${field.name}`);
      }
    }
    expect(unpriced).toEqual([]);
  });
});

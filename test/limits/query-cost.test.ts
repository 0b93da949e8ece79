import { readFileSync } from 'node:fs';
import type { IntrospectionQuery } from 'graphql';
import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql';
import { useGateway } from '../helpers/gateway';

const CUSTOMER_FIELDS = 'id organizationId name email phoneNumber whatsappNumber country city address postalCode isBusiness metadata environment createdAt updatedAt';
const TRANSACTION_FIELDS = 'id description grossAmount currencyCode status createdAt';
/** The largest legal single request: one page of 200 customers, 100 transactions each, every field. */
const FULL_PAGE = `customers(pageSize: 200) { customers { ${CUSTOMER_FIELDS} transactions(first: 100) { ${TRANSACTION_FIELDS} } } pagination { page pageSize totalCount totalPages } }`;

function aliased(copies: number): string {
  return `{ ${Array.from({ length: copies }, (_, i) => `p${i}: ${FULL_PAGE}`).join(' ')} }`;
}

function deep(levels: number): string {
  // __type nests through introspection types without end: the classic deep query.
  let selection = 'name';
  for (let i = 0; i < levels; i++) selection = i % 2 === 0 ? `ofType { ${selection} }` : `ofType { name ${selection} }`;
  return `{ __type(name: "Customer") { ${selection} } }`;
}

describe('query depth and cost, with the default limits', () => {
  // The key is cached first, so the only rpc calls counted below are the query's own.
  const { gw, tenant } = useGateway({}, { countCalls: true });

  it('runs the largest legal request and reports its cost', async () => {
    const response = await gw.gql(`{ ${FULL_PAGE} }`, undefined, { key: tenant.key });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    // customers 1 + its page 1 + 200 x (15 fields + transactions (1 + 100 x 6)) + pagination
    // (1 + page 1 + pageSize 1 + two counts of 1000): see src/config.ts and src/limits/prices.ts.
    expect(response.body.extensions?.cost).toBe(125_205);
  });

  it('refuses many aliased copies of a full page before any database call', async () => {
    const response = await gw.gql(aliased(5), undefined, { key: tenant.key });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toHaveLength(1);
    const [error] = response.body.errors ?? [];
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/costs 626025; the maximum is 200000/);
    expect(error.extensions).toMatchObject({ cost: 626_025, maxComplexity: 200_000 });
    expect(gw.db.names()).toEqual([]);
    // Refused before execution: nothing was spent from the rate limit.
    expect(response.body.extensions?.rateLimit).toMatchObject({ limit: 5000 });
  });

  it('refuses two full pages (the limit sits between one and two)', async () => {
    const response = await gw.gql(aliased(2), undefined, { key: tenant.key });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(gw.db.names()).toEqual([]);
  });

  it('costs list fields by their page size and first', async () => {
    const small = await gw.gql('{ customers(pageSize: 2) { customers { id transactions(first: 3) { id } } } }', undefined, { key: tenant.key });
    expect(small.status).toBe(200);
    // customers 1 + its page 1 + 2 x (id 1 + transactions (1 + 3 x 1))
    expect(small.body.extensions?.cost).toBe(1 + 1 + 2 * (1 + (1 + 3)));
  });

  it('refuses a too deep query before any database call', async () => {
    const response = await gw.gql(deep(25), undefined, { key: tenant.key });
    expect(response.status).toBe(400);
    const [error] = response.body.errors ?? [];
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/nested 27 levels deep; the maximum is 20/);
    expect(gw.db.names()).toEqual([]);
  });

  it('lets the full introspection query through, with and without a key', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    for (const options of [{}, { key: tenant.key }]) {
      const response = await gw.gql(query, undefined, options);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data).toHaveProperty('__schema.queryType.name', 'Query');
      expect(response.body.extensions?.cost).toEqual(expect.any(Number));
    }
    expect(gw.db.names()).toEqual([]);
  });

  it('serves exactly the committed schema: the rate-limit directives are configuration, not API', async () => {
    // directiveIsRepeatable: federation's @key and @link are repeatable, as the SDL prints them.
    const response = await gw.gql<IntrospectionQuery>(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true }));
    const served = printSchema(lexicographicSortSchema(buildClientSchema(response.body.data as IntrospectionQuery)));
    expect(served + '\n').toBe(readFileSync('schema/schema.graphql', 'utf8'));
  });
});

describe('configured limits (MAX_QUERY_COMPLEXITY, MAX_QUERY_DEPTH)', () => {
  const { gw } = useGateway({ MAX_QUERY_COMPLEXITY: '100', MAX_QUERY_DEPTH: '3' });

  it('applies the configured numbers', async () => {
    const { key } = await gw.tenantWithKey();
    await gw.gql('{ __typename }', undefined, { key });
    gw.db.reset();
    const wide = await gw.gql('{ customers(pageSize: 99) { customers { id } } }', undefined, { key });
    expect(wide.status).toBe(400);
    expect(wide.body.errors?.[0].message).toMatch(/costs 101; the maximum is 100/);
    const deeper = await gw.gql('{ customers { customers { transactions { id } } } }', undefined, { key });
    expect(deeper.status).toBe(400);
    expect(deeper.body.errors?.[0].message).toMatch(/nested 4 levels deep; the maximum is 3/);
    expect(gw.db.names()).toEqual([]);
    const fits = await gw.gql('{ customers(pageSize: 10) { customers { id } } }', undefined, { key });
    expect(fits.status).toBe(200);
    expect(fits.body.extensions?.cost).toBe(1 + 1 + 10 * 1);
  });
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GqlResponse } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';
import { addCustomer } from '../helpers/customers';
import { createTenant } from '../helpers/tenants';

/** What a router sends a subgraph for one step of its query plan. */
const ENTITIES = 'query Entities($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Customer { id name } } }';
const SDL = '{ _service { sdl } }';

type EntitiesData = { _entities: ({ __typename: string; id: string; name: string } | null)[] };
type GqlError = NonNullable<GqlResponse['body']['errors']>[number];

const customer = (id: string) => ({ __typename: 'Customer', id });
const codes = (errors: GqlError[] | undefined) => (errors ?? []).map((error) => error.extensions?.code);

describe('_entities: customers by key, for a router', () => {
  const { gw, tenant } = useGateway({}, { countCalls: true });

  test('resolves the caller\'s customers in the order of the representations, in one database call', async () => {
    const [a, b] = [await addCustomer(gw.db.inner, tenant, { name: 'Awa Ndiaye' }), await addCustomer(gw.db.inner, tenant, { name: 'Binta Fall' })];
    gw.db.reset();
    const res = await gw.gql<EntitiesData>(ENTITIES, { representations: [customer(b.customer_id), customer(a.customer_id), customer(b.customer_id)] }, { key: tenant.key });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?._entities).toEqual([
      { __typename: 'Customer', id: b.customer_id, name: 'Binta Fall' },
      { __typename: 'Customer', id: a.customer_id, name: 'Awa Ndiaye' },
      { __typename: 'Customer', id: b.customer_id, name: 'Binta Fall' },
    ]);
    // the per-request loader: one call for the batch, each id once
    expect(gw.db.names()).toEqual(['get_customers_by_ids']);
    expect(gw.db.calls[0].args.p_customer_ids).toEqual([b.customer_id, a.customer_id]);
  });

  test('batches up to 500 representations per database call: 500 is one call, 501 two', async () => {
    const ids = Array.from({ length: 501 }, () => randomUUID());
    const five = await gw.gql<EntitiesData>(ENTITIES, { representations: ids.slice(0, 500).map(customer) }, { key: tenant.key });
    expect(five.body.data?._entities).toHaveLength(500);
    expect(gw.db.names()).toEqual(['get_customers_by_ids']);
    gw.db.reset();
    const more = await gw.gql<EntitiesData>(ENTITIES, { representations: ids.map(customer) }, { key: tenant.key });
    expect(more.body.data?._entities).toHaveLength(501);
    expect(gw.db.names()).toEqual(['get_customers_by_ids', 'get_customers_by_ids']);
    expect(gw.db.calls.map((call) => (call.args.p_customer_ids as string[]).length)).toEqual([500, 1]);
  });

  test('another organization\'s, the other environment\'s, an unknown and a deleted customer are null with NOT_FOUND at their position', async () => {
    const own = await addCustomer(gw.db.inner, tenant, { name: 'Own' });
    const foreign = await addCustomer(gw.db.inner, await createTenant(gw.db.inner), { name: 'Foreign' });
    const live = await addCustomer(gw.db.inner, { ...tenant, environment: 'live' }, { name: 'Live' });
    const deleted = await addCustomer(gw.db.inner, tenant, { name: 'Deleted' });
    const removed = await gw.gql(`mutation { deleteCustomer(id: "${deleted.customer_id}") { id } }`, undefined, { key: tenant.key });
    expect(removed.body.errors).toBeUndefined();
    const unknown = randomUUID();

    const res = await gw.gql<EntitiesData>(
      ENTITIES,
      { representations: [foreign.customer_id, own.customer_id, live.customer_id, unknown, deleted.customer_id].map(customer) },
      { key: tenant.key },
    );
    expect(res.status).toBe(200);
    expect(res.body.data?._entities).toEqual([null, { __typename: 'Customer', id: own.customer_id, name: 'Own' }, null, null, null]);
    const errors = res.body.errors ?? [];
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'NOT_FOUND'],
      [['_entities', 2], 'NOT_FOUND'],
      [['_entities', 3], 'NOT_FOUND'],
      [['_entities', 4], 'NOT_FOUND'],
    ]);
    // the same answer customer(id) gives: nothing tells another tenant's customer from a missing one
    expect(errors[0].message).toBe(`Customer with ID ${foreign.customer_id} not found or access denied`);
    expect(JSON.stringify(res.body)).not.toContain('Foreign');
    expect(JSON.stringify(res.body)).not.toContain('Live');
  });

  test(`more than 1000 representations are refused (BAD_USER_INPUT) before any database call`, async () => {
    const res = await gw.gql(ENTITIES, { representations: Array.from({ length: 1001 }, () => customer(randomUUID())) }, { key: tenant.key });
    expect(res.body.data).toBeNull();
    expect(codes(res.body.errors)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0].message).toBe('_entities takes at most 1000 representations; 1001 were sent: split them over several requests');
    expect(gw.db.names()).toEqual([]);
  });

  test('malformed representations are the client\'s error (BAD_USER_INPUT, each named), before any database call', async () => {
    const cases: [unknown, string][] = [
      [{ __typename: 'Transaction', id: randomUUID() }, 'representations[0]: __typename must be one of the entities of this subgraph (Customer), got "Transaction"'],
      [{ __typename: 'Query', id: randomUUID() }, 'representations[0]: __typename must be one of the entities of this subgraph (Customer), got "Query"'],
      [{ id: randomUUID() }, 'representations[0]: __typename must be one of the entities of this subgraph (Customer), got null'],
      [{ __typename: 'Customer' }, 'representations[0]: id must be the customer\'s id (a UUID)'],
      [{ __typename: 'Customer', id: 'not-a-uuid' }, 'representations[0]: id must be the customer\'s id (a UUID)'],
      [{ __typename: 'Customer', id: 42 }, 'representations[0]: id must be the customer\'s id (a UUID)'],
      ['Customer', 'representations[0]: must be an object such as {"__typename": "Customer", "id": "<uuid>"}'],
    ];
    for (const [representation, message] of cases) {
      const res = await gw.gql(ENTITIES, { representations: [representation] }, { key: tenant.key });
      expect(codes(res.body.errors)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0].message).toBe(message);
      expect(res.body.errors?.[0].extensions?.validationErrors).toEqual([{ field: 'representations[0]', message }]);
    }
    // a literal list, and several at once: every bad one named, the good one not looked up either
    const literal = await gw.gql(`{ _entities(representations: [{ __typename: "Customer", id: "${randomUUID()}" }, { __typename: "Customer", id: "x" }, { __typename: "Nope", id: "y" }]) { __typename } }`, undefined, { key: tenant.key });
    expect(literal.body.errors?.[0].extensions?.validationErrors).toEqual([
      { field: 'representations[1]', message: expect.stringContaining('id must be') },
      { field: 'representations[2]', message: expect.stringContaining('__typename must be') },
    ]);
    expect(gw.db.names()).toEqual([]);
  });

  test('needs an API key, like every data field', async () => {
    const res = await gw.gql(ENTITIES, { representations: [customer(randomUUID())] });
    expect(res.status).toBe(401);
    expect(codes(res.body.errors)).toEqual(['UNAUTHENTICATED']);
    expect(gw.db.names()).toEqual([]);
  });

  test('answers without federated traces (ftv1), whoever asks for them', async () => {
    const res = await gw.gql(ENTITIES, { representations: [customer(randomUUID())] }, { key: tenant.key, headers: { 'apollo-federation-include-trace': 'ftv1' } });
    expect(res.status).toBe(200);
    expect(res.body.extensions).not.toHaveProperty('ftv1');
  });

  test('is costed like a list: its selection once per representation (extensions.cost)', async () => {
    const one = await gw.gql(ENTITIES, { representations: [customer(randomUUID())] }, { key: tenant.key });
    const ten = await gw.gql(ENTITIES, { representations: Array.from({ length: 10 }, () => customer(randomUUID())) }, { key: tenant.key });
    // 1 for _entities, then per element: __typename, id, name
    expect(one.body.extensions?.cost).toBe(1 + 1 * 3);
    expect(ten.body.extensions?.cost).toBe(1 + 10 * 3);
  });
});

describe('_entities under the limits of any root field', () => {
  const { gw, tenant } = useGateway({ MAX_QUERY_COMPLEXITY: '100', RATE_LIMIT_MAX: '3' }, { countCalls: true });

  test('a costly lookup is refused (QUERY_TOO_COMPLEX, 400) before any database call, and spends no budget', async () => {
    const withTransactions = 'query E($representations: [_Any!]!) { _entities(representations: $representations) { ... on Customer { id transactions(first: 10) { id } } } }';
    const res = await gw.gql(withTransactions, { representations: Array.from({ length: 10 }, () => customer(randomUUID())) }, { key: tenant.key });
    // 1 + 10 representations x (id 1 + transactions 1 + 10 x id 1) = 121
    expect(res.status).toBe(400);
    expect(codes(res.body.errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(res.body.errors?.[0].message).toMatch(/^The query costs 121; the maximum is 100/);
    expect(gw.db.names()).toEqual([]);
  });

  test('each _entities field spends one from the tenant\'s rate limit; past it, RATE_LIMITED (429)', async () => {
    const representations = [customer(randomUUID())];
    // the refused costly lookup above spent nothing: three of the budget of 3 are left
    for (let i = 0; i < 3; i++) expect((await gw.gql(ENTITIES, { representations }, { key: tenant.key })).status).toBe(200);
    const refused = await gw.gql(ENTITIES, { representations }, { key: tenant.key });
    expect(refused.status).toBe(429);
    expect(codes(refused.body.errors)).toEqual(['RATE_LIMITED']);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('_service: the subgraph SDL', () => {
  const { gw, tenant } = useGateway();

  test('needs an API key', async () => {
    const res = await gw.gql(SDL);
    expect(res.status).toBe(401);
    expect(codes(res.body.errors)).toEqual(['UNAUTHENTICATED']);
  });

  test('is the Federation 2 SDL with Customer as an entity: what schema/subgraph.graphql holds (run `npm run schema:emit` after changing the code)', async () => {
    const res = await gw.gql<{ _service: { sdl: string } }>(SDL, undefined, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    const sdl = res.body.data?._service.sdl ?? '';
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])');
    expect(sdl).toMatch(/type Customer\s+@key\(fields: "id"\)/);
    expect(`${sdl}\n`).toBe(readFileSync(path.resolve(__dirname, '../../schema/subgraph.graphql'), 'utf8'));
  });
});

describe('_service in production', () => {
  const sdlOf = async (env: Record<string, string>) => {
    const gw = await startGateway({ NODE_ENV: 'production', ...env });
    try {
      const { key } = await gw.tenantWithKey();
      return await gw.gql<{ _service: { sdl: string } }>(SDL, undefined, { key });
    } finally {
      await gw.close();
    }
  };

  test('is refused with FORBIDDEN, naming FEDERATION_SDL, when introspection is off', async () => {
    const res = await sdlOf({});
    expect(res.body.data).toBeNull();
    expect(codes(res.body.errors)).toEqual(['FORBIDDEN']);
    expect(res.body.errors?.[0].message).toContain('FEDERATION_SDL=true');
    expect(res.body.errors?.[0].path).toEqual(['_service']);
  });

  test.each(['FEDERATION_SDL', 'GRAPHQL_INTROSPECTION'])('is served with %s=true', async (setting) => {
    const res = await sdlOf({ [setting]: 'true' });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?._service.sdl).toMatch(/type Customer\s+@key\(fields: "id"\)/);
  });

  test('_entities works there all the same (the SDL refusal leaves the rest of the schema as it is)', async () => {
    const gw = await startGateway({ NODE_ENV: 'production' });
    try {
      const tenant = await gw.tenantWithKey();
      const own = await addCustomer(gw.db.inner, tenant, { name: 'In Production' });
      const res = await gw.gql<EntitiesData>(ENTITIES, { representations: [customer(own.customer_id)] }, { key: tenant.key });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?._entities).toEqual([{ __typename: 'Customer', id: own.customer_id, name: 'In Production' }]);
    } finally {
      await gw.close();
    }
  });

  test('FEDERATION_SDL=true does not turn introspection on', async () => {
    const gw = await startGateway({ NODE_ENV: 'production', FEDERATION_SDL: 'true' });
    try {
      const { key } = await gw.tenantWithKey();
      const res = await gw.gql('{ __schema { queryType { name } } }', undefined, { key });
      expect(res.status).toBe(400);
      expect(codes(res.body.errors)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    } finally {
      await gw.close();
    }
  });
});

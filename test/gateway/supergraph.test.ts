import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { GqlResponse, KeyedTenant } from '../helpers/gateway';
import { useGateway } from '../helpers/gateway';
import { addCustomer } from '../helpers/customers';

/**
 * A supergraph composed in-process, as Apollo Router or Gateway would compose it in a
 * deployment: this gateway (the customers subgraph, a real server over HTTP) and an orders
 * subgraph written here, which refers to a Customer by its key and adds its orders to it.
 * @apollo/gateway loads both SDLs over `_service` (IntrospectAndCompose), composes them, plans
 * each query and forwards the caller's x-api-key to the customers subgraph.
 */
const ORDERS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    "Every order of the orders service (it does not know tenants: the customers subgraph does)."
    orders: [Order!]!
  }

  type Order @key(fields: "id") {
    id: ID!
    total: Int!
    "The customer who placed the order, resolved by the customers subgraph."
    customer: Customer
  }

  type Customer @key(fields: "id") {
    id: ID!
    "The customer's orders, added by this subgraph."
    orders: [Order!]!
  }
`;

interface Order {
  id: string;
  total: number;
  customerId: string;
}

/** The router's context: the caller's key, forwarded to the customers subgraph. */
interface RouterContext {
  apiKey?: string;
}

function ordersSubgraph(orders: readonly Order[]) {
  return buildSubgraphSchema({
    typeDefs: parse(ORDERS_SDL),
    resolvers: {
      Query: { orders: () => orders },
      Order: { customer: (order: Order) => ({ __typename: 'Customer', id: order.customerId }) },
      Customer: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        orders: (customer: { id: string }) => orders.filter((order) => order.customerId === customer.id),
      },
    },
  });
}

/** Forwards the incoming x-api-key on every subgraph request (Router: `headers: propagate`). */
class ForwardingDataSource extends RemoteGraphQLDataSource<RouterContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    if (context.apiKey) request.http?.headers.set('x-api-key', context.apiKey);
  }
}

describe('a supergraph composed from this gateway and another subgraph (@apollo/gateway)', () => {
  const { gw, tenant } = useGateway();
  let other: KeyedTenant;
  let ours: { customer_id: string };
  let theirs: { customer_id: string };
  let routerUrl = '';
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    other = await gw.tenantWithKey();
    ours = await addCustomer(gw.db.inner, tenant, { name: 'Awa Ndiaye' });
    theirs = await addCustomer(gw.db.inner, other, { name: 'Other Org Customer' });
    const orders: Order[] = [
      { id: 'order-1', total: 1500, customerId: ours.customer_id },
      { id: 'order-2', total: 900, customerId: theirs.customer_id },
      { id: 'order-3', total: 2500, customerId: ours.customer_id },
    ];

    const ordersServer = new ApolloServer({ schema: ordersSubgraph(orders), plugins: [ApolloServerPluginInlineTraceDisabled()] });
    const { url: ordersUrl } = await startStandaloneServer(ordersServer, { listen: { port: 0, host: '127.0.0.1' } });
    stops.push(() => ordersServer.stop());

    const gateway = new ApolloGateway({
      supergraphSdl: new IntrospectAndCompose({
        subgraphs: [
          { name: 'customers', url: `${gw.url}/graphql` },
          { name: 'orders', url: ordersUrl },
        ],
        // _service needs a key like any field of this gateway: any valid key reads the SDL
        introspectionHeaders: { 'x-api-key': tenant.key },
      }),
      buildService: ({ url }) => new ForwardingDataSource({ url }),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const router = new ApolloServer<RouterContext>({ gateway });
    const { url } = await startStandaloneServer(router, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({ apiKey: typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined }),
    });
    stops.unshift(() => router.stop());
    routerUrl = url;
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  async function viaRouter<D>(query: string, key: string, variables?: Record<string, unknown>): Promise<GqlResponse<D>> {
    const response = await fetch(routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse<D>['body'] };
  }

  type OrdersData = { orders: { id: string; total: number; customer: { id: string; name: string } | null }[] };
  const ORDERS = '{ orders { id total customer { id name } } }';

  test('orders (the other subgraph) with their customers (this one, through _entities), for the caller\'s organization', async () => {
    const res = await viaRouter<OrdersData>(ORDERS, tenant.key);
    expect(res.body.data?.orders).toEqual([
      { id: 'order-1', total: 1500, customer: { id: ours.customer_id, name: 'Awa Ndiaye' } },
      { id: 'order-2', total: 900, customer: null },
      { id: 'order-3', total: 2500, customer: { id: ours.customer_id, name: 'Awa Ndiaye' } },
    ]);
    // another organization's customer: null, with the subgraph's NOT_FOUND at its place in the answer
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: `Customer with ID ${theirs.customer_id} not found or access denied`,
        path: ['orders', 1, 'customer'],
        extensions: expect.objectContaining({ code: 'NOT_FOUND' }),
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain('Other Org Customer');
  });

  test('the other organization\'s key sees its own customer and not this one\'s', async () => {
    const res = await viaRouter<OrdersData>(ORDERS, other.key);
    expect(res.body.data?.orders.map((order) => order.customer?.name ?? null)).toEqual([null, 'Other Org Customer', null]);
    expect(res.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['orders', 0, 'customer'], 'NOT_FOUND'],
      [['orders', 2, 'customer'], 'NOT_FOUND'],
    ]);
    expect(JSON.stringify(res.body)).not.toContain('Awa Ndiaye');
  });

  test('a customer of this subgraph with the orders the other subgraph adds to it', async () => {
    const query = 'query One($id: ID!) { customer(id: $id) { name orders { id total } } }';
    const res = await viaRouter<{ customer: { name: string; orders: { id: string; total: number }[] } | null }>(query, tenant.key, { id: ours.customer_id });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.customer).toEqual({ name: 'Awa Ndiaye', orders: [{ id: 'order-1', total: 1500 }, { id: 'order-3', total: 2500 }] });
    const foreign = await viaRouter<{ customer: null }>(query, other.key, { id: ours.customer_id });
    expect(foreign.body.data?.customer).toBeNull();
    expect(foreign.body.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  test('without a key, the customers subgraph refuses: no customer data comes back', async () => {
    const response = await fetch(routerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ORDERS }) });
    const body = (await response.json()) as GqlResponse<OrdersData>['body'];
    expect(body.data?.orders.map((order) => order.customer)).toEqual([null, null, null]);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(body)).not.toContain('Awa Ndiaye');
  });
});

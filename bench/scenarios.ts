/**
 * The scenarios: each is a set of requests for the gateway (GraphQL over /graphql, with the
 * organization's API key), the equivalent set for the baseline (the same SQL function calls,
 * the tenant in the body) and the direct-SQL server (the same bodies, answered with plain SQL),
 * and for the reads the same question put to the peer (PostGraphile v5's generic schema over the
 * same tables, the tenant as a condition). The load process sends them in random order.
 */
import type { BenchData, BenchOrg } from './seed';
import type { LoadRequest } from './types';

export interface Scenario {
  name: string;
  description: string;
  gateway: LoadRequest[];
  /** Also sent to the direct-SQL server, which takes the baseline's routes and bodies. */
  baseline: { path: string; requests: LoadRequest[] };
  /** The same question for the peer (POST /graphql), when it has one. */
  peer?: LoadRequest[];
  /** Database round trips a request should cost on the gateway (the issue's targets). */
  expectedRoundTrips?: number;
}

/** A substring common in the seeded names and emails (Diallo, Diabaté, ...). */
export const SEARCH_TERM = 'dia';
export const DEEP_PAGE = 1000;
/** The cursor page compared with the first: the 2,000th page of 50, the last of 100,000 customers. */
export const DEEP_CURSOR_PAGE = 2000;
const PAGE_SIZE = 50;
const FIELDS = 'id name email phoneNumber city createdAt';
/** Every column field of Customer (not the computed totals). */
const ALL_FIELDS =
  'id organizationId name email phoneNumber whatsappNumber country city address postalCode isBusiness metadata environment createdAt updatedAt version';
const TRANSACTION_FIELDS = 'id grossAmount currencyCode status createdAt';
/** The peer's names for the same fields (PostGraphile's inflection of the columns). */
const PEER_FIELDS = 'customerId name email phoneNumber city createdAt';
const PEER_ALL_FIELDS =
  'customerId organizationId name email phoneNumber whatsappNumber country city address postalCode isBusiness metadata environment createdAt updatedAt version';
const PEER_TRANSACTIONS =
  'transactionsByCustomerIdAndOrganizationIdAndEnvironment(first: 5, orderBy: [CREATED_AT_DESC, TRANSACTION_ID_DESC], ' +
  'filter: { status: { in: ["completed", "refunded"] } }) { nodes { transactionId grossAmount currencyCode status createdAt } }';
const PEER_ORDER = 'orderBy: [CREATED_AT_DESC, CUSTOMER_ID_DESC]';
const PEER_TENANT = 'organizationId: $org, environment: "test", isDeleted: false';
const REQUESTS_PER_SCENARIO = 2000;

function gql(org: BenchOrg, query: string, variables?: Record<string, unknown>): LoadRequest {
  return { headers: { 'x-api-key': org.apiKey }, body: JSON.stringify(variables ? { query, variables } : { query }) };
}

/** A peer request: the tenant is a condition on the organization column, as a generic schema has it. */
function peer(org: BenchOrg, query: string, variables: Record<string, unknown> = {}): LoadRequest {
  return { headers: {}, body: JSON.stringify({ query, variables: { org: org.organizationId, ...variables } }) };
}

function base(org: BenchOrg, body: Record<string, unknown>): LoadRequest {
  return { headers: {}, body: JSON.stringify({ org: org.organizationId, env: 'test', merchant: org.merchantId, ...body }) };
}

function pick<T>(items: readonly T[], i: number): T {
  return items[i % items.length];
}

const FIRST_NAMES = ['Aminata', 'Moussa', 'Fatou', 'Ibrahima', 'Awa', 'Mamadou', 'Ousmane', 'Mariama', 'Cheikh', 'Adama'];
const LAST_NAMES = ['Diop', 'Ndiaye', 'Fall', 'Sow', 'Diallo', 'Traoré', 'Koné', 'Camara', 'Mbaye', 'Thiam'];
const CITIES = ['Dakar', 'Thiès', 'Abidjan', 'Bouaké', 'Saint-Louis', 'Ziguinchor'];

function randomOf<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

function randomPerson(i: number): { name: string; email: string; city: string } {
  const first = randomOf(FIRST_NAMES);
  const last = randomOf(LAST_NAMES);
  return { name: `${first} ${last}`, email: `${first}.${last}.${i}@bench.example`.toLowerCase(), city: randomOf(CITIES) };
}

/** A patch of one to three random fields. */
function randomPatch(i: number): Record<string, string> {
  const person = randomPerson(i);
  const fields: Record<string, string>[] = [{ name: person.name }, { email: person.email }, { city: person.city }];
  return Object.assign({}, ...fields.filter(() => Math.random() < 0.6), fields[i % fields.length]);
}

const PATCH_COLUMNS: Record<string, string> = { name: 'name', email: 'email', city: 'city' };

/** A cursor deep in the big organization's newest-first connection, made with the gateway's secret. */
export interface DeepCursor {
  /** After how many customers the page starts. */
  depth: number;
  /** The position as the SQL function takes it: the sort value (full-precision text) and the id. */
  value: string;
  id: string;
  /** The same position as the gateway's opaque cursor. */
  cursor: string;
}

export function buildScenarios(data: BenchData, deep?: DeepCursor): Scenario[] {
  const orgs = data.readOrgs;
  const big = orgs[0];
  const write = data.writeOrg;
  const times = (n: number) => Array.from({ length: n }, (_, i) => i);
  /** The list scenarios spread over all ten organizations, one key each (the auth cache holds ten keys). */
  const everyOrg = (make: (org: BenchOrg) => LoadRequest) => orgs.map(make);

  const listQuery = (extra: string, txs: boolean) =>
    `query List { customers(page: 1, pageSize: ${PAGE_SIZE}) { customers { ${FIELDS}${txs ? ` transactions(first: 5) { ${TRANSACTION_FIELDS} }` : ''} } ${extra} } }`;
  const fullListQuery = `query List { customers(page: 1, pageSize: ${PAGE_SIZE}) { customers { ${ALL_FIELDS} transactions(first: 5) { ${TRANSACTION_FIELDS} } } } }`;
  const bigOrgList = (args: string) => `query List { customers(${args}, pageSize: ${PAGE_SIZE}) { customers { ${FIELDS} } } }`;
  const peerList = (args: string, fields: string, extra = '') =>
    `query List($org: UUID!) { allCustomers(first: ${PAGE_SIZE}, ${PEER_ORDER}, condition: { ${PEER_TENANT} }${args}) { nodes { ${fields} } ${extra} } }`;
  const peerEveryOrg = (query: string) => orgs.map((org) => peer(org, query));

  return [
    {
      name: 'list',
      description: `First page of ${PAGE_SIZE}, six scalar fields, no totals; the ten organizations in turn`,
      gateway: everyOrg((org) => gql(org, listQuery('', false))),
      baseline: { path: '/list', requests: everyOrg((org) => base(org, { offset: 0, limit: PAGE_SIZE })) },
      peer: peerEveryOrg(peerList('', PEER_FIELDS)),
      expectedRoundTrips: 1,
    },
    {
      name: 'list-total',
      description: 'The same with `pagination { totalCount }`',
      gateway: everyOrg((org) => gql(org, listQuery('pagination { totalCount }', false))),
      baseline: { path: '/list', requests: everyOrg((org) => base(org, { offset: 0, limit: PAGE_SIZE, total: true })) },
      peer: peerEveryOrg(peerList('', PEER_FIELDS, 'totalCount')),
      expectedRoundTrips: 2,
    },
    {
      name: 'list-transactions',
      description: 'The same (no totals) with `transactions(first: 5)` of each customer',
      gateway: everyOrg((org) => gql(org, listQuery('', true))),
      baseline: { path: '/list', requests: everyOrg((org) => base(org, { offset: 0, limit: PAGE_SIZE, transactions: 5 })) },
      peer: peerEveryOrg(peerList('', `${PEER_FIELDS} ${PEER_TRANSACTIONS}`)),
      expectedRoundTrips: 2,
    },
    {
      name: 'list-full',
      description: 'The same with every column field of Customer (16) and `transactions(first: 5)`: the list the targets are about',
      gateway: everyOrg((org) => gql(org, fullListQuery)),
      baseline: { path: '/list', requests: everyOrg((org) => base(org, { offset: 0, limit: PAGE_SIZE, transactions: 5 })) },
      peer: peerEveryOrg(peerList('', `${PEER_ALL_FIELDS} ${PEER_TRANSACTIONS}`)),
      expectedRoundTrips: 2,
    },
    {
      name: 'page1-100k',
      description: 'First page of 50 on the 100,000-customer organization (reference for search, filter, deep page)',
      gateway: [gql(big, bigOrgList('page: 1'))],
      baseline: { path: '/list', requests: [base(big, { offset: 0, limit: PAGE_SIZE })] },
      peer: [peer(big, peerList('', PEER_FIELDS))],
      expectedRoundTrips: 1,
    },
    {
      name: 'search-100k',
      description: `\`search: "${SEARCH_TERM}"\` (name or email contains), first page, 100,000-customer organization`,
      gateway: [gql(big, bigOrgList(`search: "${SEARCH_TERM}"`))],
      baseline: { path: '/list', requests: [base(big, { offset: 0, limit: PAGE_SIZE, search: SEARCH_TERM })] },
      peer: [
        peer(
          big,
          peerList(', filter: { or: [{ name: { includesInsensitive: $term } }, { email: { includesInsensitive: $term } }] }', PEER_FIELDS).replace(
            '($org: UUID!)',
            '($org: UUID!, $term: String!)',
          ),
          { term: SEARCH_TERM },
        ),
      ],
      expectedRoundTrips: 1,
    },
    {
      name: 'active-100k',
      description: '`status: ACTIVE` (a settled transaction), first page, 100,000-customer organization',
      gateway: [gql(big, bigOrgList('status: ACTIVE'))],
      baseline: { path: '/list', requests: [base(big, { offset: 0, limit: PAGE_SIZE, status: 'active' })] },
      peer: [
        peer(
          big,
          peerList(
            ', filter: { transactionsByCustomerIdAndOrganizationIdAndEnvironment: { some: { status: { in: ["completed", "refunded"] } } } }',
            PEER_FIELDS,
          ),
        ),
      ],
      expectedRoundTrips: 1,
    },
    {
      name: 'deep-100k',
      description: `Page ${DEEP_PAGE} of ${PAGE_SIZE} (offset ${(DEEP_PAGE - 1) * PAGE_SIZE}), 100,000-customer organization`,
      gateway: [gql(big, bigOrgList(`page: ${DEEP_PAGE}`))],
      baseline: { path: '/list', requests: [base(big, { offset: (DEEP_PAGE - 1) * PAGE_SIZE, limit: PAGE_SIZE })] },
      peer: [peer(big, peerList(`, offset: ${(DEEP_PAGE - 1) * PAGE_SIZE}`, PEER_FIELDS))],
      expectedRoundTrips: 1,
    },
    ...(deep
      ? [
          {
            name: 'cursor-first-100k',
            description: `\`customersConnection(first: ${PAGE_SIZE})\`: the first cursor page, 100,000-customer organization (reference for deep-cursor-100k)`,
            gateway: [gql(big, `query First { customersConnection(first: ${PAGE_SIZE}) { nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } } }`)],
            // the same statement as the deep page, from a position before every customer
            baseline: { path: '/connection', requests: [base(big, { limit: PAGE_SIZE + 1, afterValue: 'infinity', afterId: 'ffffffff-ffff-ffff-ffff-ffffffffffff' })] },
            expectedRoundTrips: 1,
          },
          {
            name: 'deep-cursor-100k',
            description: `\`customersConnection(first: ${PAGE_SIZE}, after)\` with a cursor after ${deep.depth} customers (page ${DEEP_CURSOR_PAGE}), 100,000-customer organization`,
            gateway: [
              gql(big, `query Deep($after: String) { customersConnection(first: ${PAGE_SIZE}, after: $after) { nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } } }`, {
                after: deep.cursor,
              }),
            ],
            baseline: { path: '/connection', requests: [base(big, { limit: PAGE_SIZE + 1, afterValue: deep.value, afterId: deep.id })] },
            expectedRoundTrips: 1,
          },
        ]
      : []),
    {
      name: 'customer-by-id',
      description: `\`customer(id)\` for ${data.bigOrgCustomerIds.length} random ids of the 100,000-customer organization`,
      gateway: data.bigOrgCustomerIds.map((id) => gql(big, `query One($id: ID!) { customer(id: $id) { ${FIELDS} } }`, { id })),
      baseline: { path: '/customer', requests: data.bigOrgCustomerIds.map((id) => base(big, { id })) },
      peer: data.bigOrgCustomerIds.map((id) =>
        peer(
          big,
          `query One($org: UUID!, $id: UUID!) { allCustomers(condition: { customerId: $id, ${PEER_TENANT} }) { nodes { ${PEER_FIELDS} } } }`,
          { id },
        ),
      ),
      expectedRoundTrips: 1,
    },
    {
      name: 'create',
      description: '`createCustomer` (name, email, city) in the bench\'s own organization',
      gateway: times(REQUESTS_PER_SCENARIO).map((i) => {
        const person = randomPerson(i);
        return gql(write, 'mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id name createdAt } }', {
          input: person,
        });
      }),
      baseline: { path: '/create', requests: times(REQUESTS_PER_SCENARIO).map((i) => base(write, randomPerson(i))) },
      expectedRoundTrips: 1,
    },
    {
      name: 'update',
      description: '`updateCustomer` of random customers, one to three random fields, in the bench\'s own organization',
      gateway: times(REQUESTS_PER_SCENARIO).map((i) =>
        gql(write, 'mutation Update($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id name city updatedAt } }', {
          id: pick(data.writeOrgCustomerIds, i),
          input: randomPatch(i),
        }),
      ),
      baseline: {
        path: '/update',
        requests: times(REQUESTS_PER_SCENARIO).map((i) => {
          const patch = Object.fromEntries(Object.entries(randomPatch(i)).map(([field, value]) => [PATCH_COLUMNS[field], value]));
          return base(write, { id: pick(data.writeOrgCustomerIds, i), patch });
        }),
      },
      expectedRoundTrips: 1,
    },
  ];
}

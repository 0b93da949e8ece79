import type { Request } from 'express';
import { CONNECTION_LIMITS } from '../customers/customer.args';
import type { CreateCustomerInput } from '../customers/customer.input';
import type { CustomerService } from '../customers/customer.service';
import { IDEMPOTENCY_KEY } from '../customers/customer.service';
import type { Customer } from '../customers/customer.type';
import { COUNT_COST, pageCost } from '../limits/prices';
import { LIMITS } from '../validation/rules';
import { customerInput } from './body';
import { etagOf, idempotencyKeyOf, ifMatchOf, IDEMPOTENCY_KEY_HEADER, IF_MATCH_HEADER, IF_MATCH_PATTERN, underIfMatch, withHeaderProblem } from './conditions';
import { CUSTOMER_FIELDS } from './fields';
import { changesArgs, listArgs, STATUS_VALUES, TYPE_VALUES } from './list-query';
import { restChangeFeed, restCustomer, restCustomerPage, restTransaction } from './present';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

export interface ParameterSpec {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly description: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** What the router and the OpenAPI document know of an endpoint. */
export interface RouteDoc {
  readonly method: HttpMethod;
  /** Express path syntax; OpenAPI's {id} form is derived from it. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** The GraphQL field that does the same (documented as `x-graphql-field`). */
  readonly graphql: string;
  readonly parameters: readonly ParameterSpec[];
  /** Name of the request body's schema in the document's components. */
  readonly body?: 'CreateCustomerBody' | 'UpdateCustomerBody';
  readonly success: { readonly status: number; readonly description: string; readonly schema: string };
  /** Whether a success carries the customer's `ETag` (its version). */
  readonly etag: boolean;
  /** Error statuses besides those every secured route may answer (401, 429, 500, 503). */
  readonly errors: readonly number[];
}

/**
 * The caller's customer service, once the limits have admitted the request: the same cost
 * limit and rate-limit budgets as GraphQL (`cost` is what the same request costs there).
 */
export type Admit = (cost: number) => Promise<CustomerService>;

/** What an endpoint answers: the body, and for a created resource where it now lives. */
export interface RestAnswer {
  /** Sent as JSON; a DecimalNumber in it is written as a number with its own digits (json.ts). */
  readonly body: unknown;
  /** The `Location` header of a 201: the new resource's path. */
  readonly location?: string;
  /** The `ETag` header: the customer's version as a strong entity-tag. */
  readonly etag?: string;
}

/** One endpoint: parse the request, make one call to the customer service, present the result. */
export interface RestRoute extends RouteDoc {
  serve(req: Request, admit: Admit): Promise<RestAnswer>;
}

interface RouteSpec<P, R> extends Omit<RouteDoc, 'etag'> {
  /** The request as the service's arguments; a RestError (400) when it is malformed. */
  parse(req: Request): P | Promise<P>;
  cost(parsed: P): number;
  call(customers: CustomerService, parsed: P): Promise<R>;
  present(result: R): unknown;
  /** For a route that creates: the path of what it created (sent as `Location`). */
  location?(result: R): string;
  /** For a route that answers with one customer: its version (sent as `ETag`). */
  version?(result: R): number;
}

function route<P, R>(spec: RouteSpec<P, R>): RestRoute {
  const { parse, cost, call, present, location, version, ...doc } = spec;
  return {
    ...doc,
    etag: version !== undefined,
    async serve(req, admit) {
      const parsed = await parse(req);
      const customers = await admit(cost(parsed));
      const result = await call(customers, parsed);
      return {
        body: await present(result),
        location: location?.(result),
        etag: version === undefined ? undefined : etagOf(version(result)),
      };
    },
  };
}

const ID_PARAMETER: ParameterSpec = {
  name: 'id',
  in: 'path',
  description: "The customer's id (a UUID).",
  schema: { type: 'string', format: 'uuid' },
};

const LIST_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'search', in: 'query', description: 'Case-insensitive text the name or email contains.', schema: { type: 'string', maxLength: LIMITS.search } },
  { name: 'type', in: 'query', description: 'Customer type.', schema: { type: 'string', enum: TYPE_VALUES, default: 'all' } },
  {
    name: 'status',
    in: 'query',
    description: 'active: at least one completed or refunded transaction; inactive: none.',
    schema: { type: 'string', enum: STATUS_VALUES, default: 'all' },
  },
  { name: 'page', in: 'query', description: 'Page number, from 1.', schema: { type: 'integer', minimum: 1, maximum: LIMITS.maxPage, default: 1 } },
  {
    name: 'pageSize',
    in: 'query',
    description: 'Customers per page.',
    schema: { type: 'integer', minimum: 1, maximum: LIMITS.maxPageSize, default: 50 },
  },
];

const CHANGES_PARAMETERS: readonly ParameterSpec[] = [
  {
    name: 'since',
    in: 'query',
    description:
      'The cursor of the previous page (or of the last sync); absent to start from the beginning (deleted customers left out). GraphQL\'s customerChanges cursors work here too, and these there.',
    schema: { type: 'string' },
  },
  {
    name: 'first',
    in: 'query',
    description: 'How many changes at most.',
    schema: { type: 'integer', minimum: 1, maximum: CONNECTION_LIMITS.changes.max, default: CONNECTION_LIMITS.changes.default },
  },
];

const IDEMPOTENCY_KEY_PARAMETER: ParameterSpec = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  description:
    'Makes a retry safe: for 24 hours, the same key with the same body (compared after trimming and defaults) answers with the customer the first call created, as it is now, and creates nothing (404 if it has been deleted since); with a different body, 409. Keys belong to the API key\'s organization and environment and are shared with GraphQL\'s createCustomer(idempotencyKey). A request that failed does not use its key up.',
  schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source, examples: ['0b5e7f0e-3f4e-4c38-9a43-4f1b1f3f2d11'] },
};

const IF_MATCH_PARAMETER: ParameterSpec = {
  name: IF_MATCH_HEADER,
  in: 'header',
  description:
    'The customer\'s ETag as last read (e.g. "3"): when the customer has changed since, nothing is written and the answer is 412, naming its current version. * matches any existing customer. Without it, the last write wins.',
  schema: { type: 'string', pattern: IF_MATCH_PATTERN, examples: ['"3"', '*'] },
};

function idOf(req: Request): string {
  const { id } = req.params;
  return typeof id === 'string' ? id : '';
}

/** A POST's body and Idempotency-Key; their problems are reported together. */
async function createArgs(req: Request): Promise<{ input: CreateCustomerInput; key: string | null }> {
  const { key, problem } = idempotencyKeyOf(req);
  return { input: await withHeaderProblem(problem, () => customerInput(req.body, 'create')), key };
}

const versionOf = (customer: Customer): number => customer.version;

/** What the same selections cost over GraphQL (src/limits/prices.ts): a field, plus one per leaf it selects. */
const CUSTOMER_COST = 1 + CUSTOMER_FIELDS.length;
/** pagination { page pageSize totalCount totalPages }: two of them counts. */
const PAGINATION_COST = 1 + 2 + 2 * COUNT_COST;

/**
 * The REST endpoints. A new route goes here: its documentation (the router and the OpenAPI
 * document are both built from this table), then parse, one service call, present.
 */
export const CUSTOMER_ROUTES: readonly RestRoute[] = [
  route({
    method: 'get',
    path: '/customers',
    operationId: 'listCustomers',
    summary: 'List customers, newest first, with search, filters and pagination.',
    graphql: 'Query.customers',
    parameters: LIST_PARAMETERS,
    success: { status: 200, description: 'One page of customers.', schema: 'CustomerList' },
    errors: [400],
    parse: (req) => listArgs(req.query as Record<string, unknown>),
    cost: (args) => pageCost(args.pageSize ?? 50, CUSTOMER_FIELDS.length, PAGINATION_COST),
    call: async (customers, args) => customers.list(args),
    present: restCustomerPage,
  }),
  route({
    method: 'get',
    path: '/customers/changes',
    operationId: 'listCustomerChanges',
    summary:
      'The changes to the customers after `since`, oldest first: created, updated, deleted, restored or erased, each customer at most once per page, in its latest state. Call again with `since` = `cursor` until `hasMore` is false.',
    graphql: 'Query.customerChanges',
    parameters: CHANGES_PARAMETERS,
    success: { status: 200, description: 'One page of the change feed.', schema: 'CustomerChangeFeed' },
    errors: [400],
    parse: (req) => changesArgs(req.query as Record<string, unknown>),
    // changes { id deleted changedAt customer { every field } } cursor hasMore
    cost: ({ first }) => pageCost(first ?? CONNECTION_LIMITS.changes.default, 4 + CUSTOMER_FIELDS.length, 2),
    call: (customers, { since, first }) => customers.changes(since, first),
    present: restChangeFeed,
  }),
  route({
    method: 'get',
    path: '/customers/:id',
    operationId: 'getCustomer',
    summary: 'Get one customer.',
    graphql: 'Query.customer',
    parameters: [ID_PARAMETER],
    success: { status: 200, description: 'The customer.', schema: 'Customer' },
    errors: [400, 404],
    parse: idOf,
    cost: () => CUSTOMER_COST,
    call: (customers, id) => customers.get(id),
    present: restCustomer,
    version: versionOf,
  }),
  route({
    method: 'post',
    path: '/customers',
    operationId: 'createCustomer',
    summary: 'Create a customer.',
    graphql: 'Mutation.createCustomer',
    parameters: [IDEMPOTENCY_KEY_PARAMETER],
    body: 'CreateCustomerBody',
    success: {
      status: 201,
      description: 'The new customer; with an Idempotency-Key used before with the same body, the customer that first call created, as it is now (the same answer as the first call\'s).',
      schema: 'Customer',
    },
    errors: [400, 404, 409, 413, 415],
    parse: createArgs,
    cost: () => CUSTOMER_COST,
    call: (customers, { input, key }) => customers.create(input, key),
    present: restCustomer,
    location: (customer) => `/customers/${encodeURIComponent(customer.id)}`,
    version: versionOf,
  }),
  route({
    method: 'patch',
    path: '/customers/:id',
    operationId: 'updateCustomer',
    summary: 'Change the fields present in the body; null clears an optional field.',
    graphql: 'Mutation.updateCustomer',
    parameters: [ID_PARAMETER, IF_MATCH_PARAMETER],
    body: 'UpdateCustomerBody',
    success: { status: 200, description: 'The changed customer.', schema: 'Customer' },
    errors: [400, 404, 409, 412, 413, 415],
    parse: async (req) => {
      const { version, problem } = ifMatchOf(req);
      return { id: idOf(req), version, input: await withHeaderProblem(problem, () => customerInput(req.body, 'update')) };
    },
    cost: () => CUSTOMER_COST,
    call: (customers, { id, version, input }) => underIfMatch(id, version, () => customers.update(id, input, version)),
    present: restCustomer,
    version: versionOf,
  }),
  route({
    method: 'delete',
    path: '/customers/:id',
    operationId: 'deleteCustomer',
    summary: 'Soft-delete a customer.',
    graphql: 'Mutation.deleteCustomer',
    parameters: [ID_PARAMETER, IF_MATCH_PARAMETER],
    success: { status: 200, description: 'The customer was deleted.', schema: 'DeleteResult' },
    errors: [400, 404, 409, 412],
    parse: async (req) => {
      const { version, problem } = ifMatchOf(req);
      return { id: await withHeaderProblem(problem, () => idOf(req)), version };
    },
    cost: () => 1 + 2,
    call: (customers, { id, version }) => underIfMatch(id, version, () => customers.delete(id, version)),
    present: ({ message }) => ({ message }),
  }),
  route({
    method: 'post',
    path: '/customers/:id/restore',
    operationId: 'restoreCustomer',
    summary: 'Bring a soft-deleted customer back with all its data; a customer that is not deleted is returned unchanged.',
    graphql: 'Mutation.restoreCustomer',
    parameters: [ID_PARAMETER],
    success: { status: 200, description: 'The customer, restored (or as it was, when it was not deleted).', schema: 'Customer' },
    errors: [400, 404, 409],
    parse: idOf,
    cost: () => CUSTOMER_COST,
    call: (customers, id) => customers.restore(id),
    present: restCustomer,
    version: versionOf,
  }),
  route({
    method: 'get',
    path: '/customers/:id/transactions',
    operationId: 'listCustomerTransactions',
    // The GraphQL field is capped at 100 per customer (it is meant for pages of customers);
    // the seed promises all of them, so this route reads them all through the service.
    summary: "All of the customer's completed and refunded transactions, newest first.",
    graphql: 'Customer.transactions',
    parameters: [ID_PARAMETER],
    success: { status: 200, description: 'The transactions.', schema: 'TransactionList' },
    errors: [400, 404],
    parse: idOf,
    cost: () => 1 + 1,
    call: (customers, id) => customers.allTransactions(id),
    present: (transactions) => transactions.map(restTransaction),
  }),
];

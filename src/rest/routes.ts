import type { Request } from 'express';
import type { GraphQLContext } from '../context';
import type { TransactionRow } from '../customers/customer.mapper';
import { DatabaseError } from '../db/errors';
import { fromDatabaseError } from '../errors';
import { customerInput } from './body';
import { LIST_PARAMETERS, listVariables, STATUS_VALUES, TYPE_VALUES } from './list-query';
import type { RestOperation } from './operations';
import { OPERATIONS } from './operations';
import { record, restCustomer, restCustomerPage, restTransaction } from './present';
import { fromGraphQLError } from './rest-error';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

/** What a handler gets: the request, its GraphQL context, and a way to run an operation in it. */
export interface RouteContext {
  readonly req: Request;
  readonly context: GraphQLContext;
  run(operation: RestOperation, variables: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
}

export interface ParameterSpec {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/**
 * One endpoint: the router registers it and the OpenAPI document describes it, both from this
 * table, so they cannot drift. `operation` is the GraphQL operation it runs (also the one run
 * to answer an unauthenticated call, so auth failures take the GraphQL path too).
 */
export interface RestRoute {
  readonly method: HttpMethod;
  /** Express path syntax; OpenAPI's {id} form is derived from it. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly operation: RestOperation;
  readonly parameters: readonly ParameterSpec[];
  /** Name of the request body's schema in the document's components. */
  readonly body?: 'CreateCustomerBody' | 'UpdateCustomerBody';
  readonly success: { readonly status: number; readonly description: string; readonly schema: string };
  /** Error statuses besides those every secured route may answer (401, 429, 500, 503). */
  readonly errors: readonly number[];
  handle(ctx: RouteContext): Promise<RouteResult>;
}

const ID_PARAMETER: ParameterSpec = {
  name: 'id',
  in: 'path',
  description: "The customer's id (a UUID).",
  schema: { type: 'string', format: 'uuid' },
};

const LIST_PARAMETER_SPECS: readonly ParameterSpec[] = [
  { name: 'search', in: 'query', description: 'Case-insensitive text the name or email contains.', schema: { type: 'string', maxLength: 200 } },
  { name: 'type', in: 'query', description: 'Customer type.', schema: { type: 'string', enum: [...TYPE_VALUES], default: 'all' } },
  {
    name: 'status',
    in: 'query',
    description: 'active: at least one completed or refunded transaction; inactive: none.',
    schema: { type: 'string', enum: [...STATUS_VALUES], default: 'all' },
  },
  { name: 'page', in: 'query', description: 'Page number, from 1.', schema: { type: 'integer', minimum: 1, maximum: 100000, default: 1 } },
  { name: 'pageSize', in: 'query', description: 'Customers per page.', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
];
if (LIST_PARAMETER_SPECS.map((p) => p.name).join() !== LIST_PARAMETERS.join()) throw new Error('REST: list parameters drifted');

function idOf(req: Request): string {
  const { id } = req.params;
  return typeof id === 'string' ? id : '';
}

/**
 * All of a customer's settled transactions. The GraphQL field is capped at 100 per customer
 * (it is meant for pages of customers), and the seed promises all of them, so this endpoint
 * runs the `customer` query (authentication, tenancy, id rules, 404, limits: the GraphQL path)
 * and then reads the transactions through the same tenant-bound repository the resolvers use,
 * without a limit, rather than widening the public schema with an uncapped field.
 */
async function allTransactions(ctx: RouteContext): Promise<RouteResult> {
  const data = await ctx.run(OPERATIONS.customerExists, { id: idOf(ctx.req) });
  const id = record(data.customer, 'customer').id;
  if (typeof id !== 'string') throw new Error('REST: customer id missing');
  let rows: TransactionRow[];
  try {
    rows = await ctx.context.customers().repository.transactionsOf([id], null);
  } catch (error) {
    const mapped = error instanceof DatabaseError ? fromDatabaseError(error) : undefined;
    if (!mapped) throw error;
    throw fromGraphQLError({ message: mapped.message, extensions: mapped.extensions });
  }
  return { status: 200, body: rows.map(restTransaction) };
}

export const CUSTOMER_ROUTES: readonly RestRoute[] = [
  {
    method: 'get',
    path: '/customers',
    operationId: 'listCustomers',
    summary: 'List customers, newest first, with search, filters and pagination.',
    operation: OPERATIONS.list,
    parameters: LIST_PARAMETER_SPECS,
    success: { status: 200, description: 'One page of customers.', schema: 'CustomerList' },
    errors: [400],
    async handle(ctx) {
      const data = await ctx.run(OPERATIONS.list, await listVariables(ctx.req.query as Record<string, unknown>));
      return { status: 200, body: restCustomerPage(data.customers) };
    },
  },
  {
    method: 'get',
    path: '/customers/:id',
    operationId: 'getCustomer',
    summary: 'Get one customer.',
    operation: OPERATIONS.get,
    parameters: [ID_PARAMETER],
    success: { status: 200, description: 'The customer.', schema: 'Customer' },
    errors: [400, 404],
    async handle(ctx) {
      const data = await ctx.run(OPERATIONS.get, { id: idOf(ctx.req) });
      return { status: 200, body: restCustomer(data.customer) };
    },
  },
  {
    method: 'post',
    path: '/customers',
    operationId: 'createCustomer',
    summary: 'Create a customer.',
    operation: OPERATIONS.create,
    parameters: [],
    body: 'CreateCustomerBody',
    success: { status: 201, description: 'The new customer.', schema: 'Customer' },
    errors: [400, 413, 415],
    async handle(ctx) {
      const input = await customerInput(ctx.req.body, 'create');
      const data = await ctx.run(OPERATIONS.create, { input });
      return { status: 201, body: restCustomer(data.createCustomer) };
    },
  },
  {
    method: 'patch',
    path: '/customers/:id',
    operationId: 'updateCustomer',
    summary: 'Change the fields present in the body; null clears an optional field.',
    operation: OPERATIONS.update,
    parameters: [ID_PARAMETER],
    body: 'UpdateCustomerBody',
    success: { status: 200, description: 'The changed customer.', schema: 'Customer' },
    errors: [400, 404, 413, 415],
    async handle(ctx) {
      const input = await customerInput(ctx.req.body, 'update');
      const data = await ctx.run(OPERATIONS.update, { id: idOf(ctx.req), input });
      return { status: 200, body: restCustomer(data.updateCustomer) };
    },
  },
  {
    method: 'delete',
    path: '/customers/:id',
    operationId: 'deleteCustomer',
    summary: 'Soft-delete a customer.',
    operation: OPERATIONS.delete,
    parameters: [ID_PARAMETER],
    success: { status: 200, description: 'The customer was deleted.', schema: 'DeleteResult' },
    errors: [400, 404],
    async handle(ctx) {
      const data = await ctx.run(OPERATIONS.delete, { id: idOf(ctx.req) });
      const message = record(data.deleteCustomer, 'deleteCustomer').message;
      return { status: 200, body: { message } };
    },
  },
  {
    method: 'get',
    path: '/customers/:id/transactions',
    operationId: 'listCustomerTransactions',
    summary: "All of the customer's completed and refunded transactions, newest first.",
    operation: OPERATIONS.customerExists,
    parameters: [ID_PARAMETER],
    success: { status: 200, description: 'The transactions.', schema: 'TransactionList' },
    errors: [400, 404],
    handle: allTransactions,
  },
];

import type { GraphQLSchema } from 'graphql';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType } from 'graphql';

/**
 * What a field costs, beyond the default (1 plus its selection). A query's cost is about the
 * number of values its answer can hold, plus what the database must do for a count, so:
 *
 * - `list`: a list whose length a size argument gives (`first`, `pageSize`): its selection is
 *   paid once per element it can hold.
 * - `page`: a page whose size argument sits on the page field while the elements are a child
 *   (`customers(pageSize) { customers { … } pagination { … } }`): the children named in
 *   `items` are paid `size` times, the others (pagination, page info, cursors) once.
 * - `count`: a value the database computes by counting rows (`totalCount`): a fixed price,
 *   whatever the selection, so many aliased counts are refused before any of them runs.
 * - `perElement`: a list with one element per element of a list argument (federation's
 *   `_entities(representations:)`, literal or variable): its selection is paid that many times.
 *
 * Every field that returns a list must have a price here, or be an `items` child of a page
 * (test/limits/query-cost.test.ts checks the served schema). Adding a list field: add one line.
 */
export type FieldPrice =
  | { readonly kind: 'list'; readonly sizeArg: SizeArg; readonly defaultSize: number }
  | { readonly kind: 'page'; readonly sizeArg: SizeArg; readonly defaultSize: number; readonly items: readonly string[] }
  | { readonly kind: 'fixed'; readonly size: number }
  | { readonly kind: 'count' }
  | { readonly kind: 'perElement'; readonly listArg: string };

/**
 * The argument that sizes a list or page, or several (a connection's `first` and `last`): the
 * largest of those given, else the default.
 */
export type SizeArg = string | readonly string[];

/** A count scans every matching row of the tenant: priced like a page of several hundred values. */
export const COUNT_COST = 1_000;

/** What a `page` costs: the field, its items once per element of `size`, the rest once. */
export const pageCost = (size: number, itemCost: number, restCost: number): number => 1 + (1 + size * itemCost) + restCost;

/** A list field nobody priced (a bug the schema test catches): assume this many elements. */
export const UNPRICED_LIST_SIZE = 100;

/** The domain's list fields, by `Type.field`. */
export const DOMAIN_PRICES: Readonly<Record<string, FieldPrice>> = {
  'Query.customers': { kind: 'page', sizeArg: 'pageSize', defaultSize: 50, items: ['customers'] },
  'Customer.transactions': { kind: 'list', sizeArg: 'first', defaultSize: 20 },
  // One Money per currency the customer paid in: a handful in practice, priced generously.
  'Customer.amountSpent': { kind: 'fixed', size: 10 },
  // Cursor connections: edges and nodes hold one element per item of the page; pageInfo and
  // the cursors are paid once. Either size argument may give the page's size.
  'Query.customersConnection': { kind: 'page', sizeArg: ['first', 'last'], defaultSize: 50, items: ['edges', 'nodes'] },
  'Customer.transactionsConnection': { kind: 'page', sizeArg: ['first', 'last'], defaultSize: 20, items: ['edges', 'nodes'] },
  'Query.customerChanges': { kind: 'page', sizeArg: 'first', defaultSize: 100, items: ['changes'] },
  // A router's entity lookups (src/federation): one customer per representation sent.
  'Query._entities': { kind: 'perElement', listArg: 'representations' },
  'CustomerConnection.totalCount': { kind: 'count' },
  'Pagination.totalCount': { kind: 'count' },
  // totalPages is computed from the same count.
  'Pagination.totalPages': { kind: 'count' },
};

function most(values: Iterable<number>): number {
  let max = 0;
  for (const value of values) max = Math.max(max, value);
  return max;
}

/**
 * Introspection's lists have the sizes of this schema: `__Schema.types` holds every type,
 * `__Type.fields` at most the widest type's fields, and so on. So an introspection request is
 * costed by what its answer can hold, like any other.
 */
export function introspectionPrices(schema: GraphQLSchema): Record<string, FieldPrice> {
  const types = Object.values(schema.getTypeMap());
  const fieldsOf = types.flatMap((type) => (isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : []));
  const fixed = (size: number): FieldPrice => ({ kind: 'fixed', size: Math.max(1, size) });
  const mostArgs = most([...fieldsOf.map((field) => field.args.length), ...schema.getDirectives().map((d) => d.args.length)]);
  return {
    '__Schema.types': fixed(types.length),
    '__Schema.directives': fixed(schema.getDirectives().length),
    '__Type.fields': fixed(most(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? Object.keys(type.getFields()).length : 0)))),
    '__Type.inputFields': fixed(most(types.map((type) => (isInputObjectType(type) ? Object.keys(type.getFields()).length : 0)))),
    '__Type.enumValues': fixed(most(types.map((type) => (isEnumType(type) ? type.getValues().length : 0)))),
    '__Type.interfaces': fixed(most(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0)))),
    '__Type.possibleTypes': fixed(most(types.map((type) => (isUnionType(type) || isInterfaceType(type) ? schema.getPossibleTypes(type).length : 0)))),
    '__Field.args': fixed(mostArgs),
    '__Directive.args': fixed(mostArgs),
    '__Directive.locations': fixed(most(schema.getDirectives().map((d) => d.locations.length))),
  };
}

/** Every price of a schema: the domain's table and introspection's sizes. */
export function pricesFor(schema: GraphQLSchema): ReadonlyMap<string, FieldPrice> {
  return new Map(Object.entries({ ...introspectionPrices(schema), ...DOMAIN_PRICES }));
}

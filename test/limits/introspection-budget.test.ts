/**
 * Introspection's prices are upper bounds taken from the schema (its widest type, its field
 * with the most arguments), so their product grows with a schema's widest field. These tests
 * run the gateway's own analysis on a schema with one wide field (a connection with nine
 * arguments, as cursor connections have) and check the standard introspection query stays
 * accepted while a query that nests introspection types to multiply its answer is refused.
 * No server is involved: the analysis is a pure function of schema and document, and the
 * served schema's full introspection is checked over HTTP in query-cost.test.ts.
 */
import { buildSchema, getIntrospectionQuery, Kind, parse } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';
import type { GraphQLContext } from '../../src/context';
import { QueryTooComplexError } from '../../src/limits/errors';
import type { QueryLimits } from '../../src/limits/query-limits';
import { checkOperation, introspectionBudget } from '../../src/limits/query-limits';

const WIDE = buildSchema(`
  enum SortKey { CREATED_AT UPDATED_AT NAME }
  type Item { ${Array.from({ length: 30 }, (_, i) => `f${i}: String`).join(' ')} }
  type ItemConnection { nodes: [Item!]! totalCount: Int! }
  type Query {
    items(first: Int, after: String, last: Int, before: String, sortKey: SortKey, reverse: Boolean, search: String, type: String, status: String): ItemConnection!
    ${Array.from({ length: 40 }, (_, i) => `q${i}(a: Int): Item`).join(' ')}
  }
`);

const limits = { maxComplexity: 200_000, maxDepth: 20, caps: { tokens: 100_000, aliases: 1_000, directives: 1_000, fragmentSpreads: 1_000 } } as unknown as QueryLimits;
const context = {} as GraphQLContext;

function check(query: string): number {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation');
  return checkOperation(limits, { schema: WIDE, document, operation, context }).cost;
}

const FULL = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });

test('on a schema with a nine-argument field, the full introspection query prices above the general maximum', () => {
  // the reason for a budget of its own: priced like any query it would be refused
  expect(introspectionBudget(WIDE, 0)).toBeGreaterThan(2 * 200_000);
});

test('the full standard introspection query is accepted there', () => {
  expect(check(FULL)).toBeGreaterThan(limits.maxComplexity);
});

test('introspection nested to multiply its answer is refused with the introspection budget named', () => {
  const fields = (depth: number): string => (depth === 0 ? 'name' : `name fields { name args { name } type { name fields { name args { name } type { ${fields(depth - 1)} } } } }`);
  const query = `{ __schema { types { ${fields(2)} } } }`;
  let error: unknown;
  try {
    check(query);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(QueryTooComplexError);
  expect((error as Error).message).toMatch(/^The introspection query costs \d+; the maximum for introspection is \d+/);
});

test('a domain field beside introspection gets the general maximum, not the introspection budget', () => {
  // the standard query plus one domain field: no longer introspection-only
  const mixed = FULL.replace('__schema {', 'items { totalCount } __schema {');
  expect(() => check(mixed)).toThrow(/^The query costs \d+; the maximum is 200000/);
});

import type { DocumentNode, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { GraphQLError, Kind } from 'graphql';
import type { ComplexityEstimator, ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { QueryTooComplexError } from './errors';

/**
 * Field costs, declared on the TypeGraphQL fields (`complexity:`) and read by
 * fieldExtensionsEstimator; every other field costs 1 plus its children (simpleEstimator). So
 * a query's cost is about the number of values its answer can hold.
 */
function sizeArg(args: ComplexityEstimatorArgs['args'], name: string, fallback: number): number {
  const value: unknown = args[name];
  // An out-of-range size is refused by the resolver's validation; cost it as given (at least 1).
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(1, Math.floor(value)) : fallback;
}

/** A list field: its selection once per item it can hold. */
export const listCost = (size: number, itemCost: number): number => 1 + size * itemCost;

/** A page of customers: its selection once per customer the page can hold (`pageSize`). */
export const customerPageCost: ComplexityEstimator = ({ args, childComplexity }) =>
  listCost(sizeArg(args, 'pageSize', 50), childComplexity);

/** A customer's transactions: the selection once per transaction asked for (`first`). */
export const transactionsCost: ComplexityEstimator = ({ args, childComplexity }) =>
  listCost(sizeArg(args, 'first', 20), childComplexity);

const estimators = [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })];

/** The deepest field nesting of an operation, fragments expanded (`{ a { b } }` is 2). */
export function operationDepth(operation: OperationDefinitionNode, fragments: Readonly<Record<string, FragmentDefinitionNode>>): number {
  const depthOf = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, seen) : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
      } else {
        const fragment = fragments[selection.name.value];
        // Fragment cycles fail validation before this runs; the guard only keeps this total.
        if (fragment && !seen.has(fragment.name.value)) {
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, fragment.name.value])));
        }
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet, new Set());
}

export interface CostCheck {
  readonly maxComplexity: number;
  readonly maxDepth: number;
}

/**
 * Refuses an operation that is too deep or costs too much, before it executes (so before any
 * database call), and returns its cost otherwise.
 */
export function checkCost(
  limits: CostCheck,
  request: { schema: GraphQLSchema; document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Record<string, unknown> },
): number | undefined {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of request.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const depth = operationDepth(request.operation, fragments);
  if (depth > limits.maxDepth) {
    throw new QueryTooComplexError(`The query is nested ${depth} levels deep; the maximum is ${limits.maxDepth}. Split it into shallower queries.`, {
      depth,
      maxDepth: limits.maxDepth,
    });
  }
  let cost: number;
  try {
    cost = getComplexity({
      schema: request.schema,
      query: request.document,
      operationName: request.operationName ?? undefined,
      variables: request.variables ?? {},
      estimators,
    });
  } catch (error) {
    // Too many selections to even count (fragments multiplying): refuse as too complex.
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
      throw new QueryTooComplexError(`The query has too many selections to run; the maximum cost is ${limits.maxComplexity}.`, {
        maxComplexity: limits.maxComplexity,
      });
    }
    // Bad variable values: execution refuses them with the proper BAD_USER_INPUT error before
    // any resolver runs, so there is nothing to cost here.
    return undefined;
  }
  return refuseCostAbove(limits.maxComplexity, cost);
}

/** Returns the cost, or refuses a request that costs more than `maxComplexity`. */
export function refuseCostAbove(maxComplexity: number, cost: number): number {
  if (cost > maxComplexity) {
    throw new QueryTooComplexError(
      `The query costs ${cost}; the maximum is ${maxComplexity}. Ask for fewer customers (pageSize), fewer transactions (first) or fewer fields, or split the query.`,
      { cost, maxComplexity },
    );
  }
  return cost;
}

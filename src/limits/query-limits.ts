import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { GraphQLError, Kind, getIntrospectionQuery, parse } from 'graphql';
import type { QueryCaps } from '../config';
import type { GraphQLContext } from '../context';
import { OperationAnalyser, countDocument } from './analysis';
import { QueryTooComplexError, RateLimitedError, secondsUntil } from './errors';
import type { FieldPrice } from './prices';
import { pricesFor } from './prices';
import type { RefusalObserver } from './index';
import type { LimiterStore } from './store';

/** Introspection requests without an API key, per client address per minute. */
export class IntrospectionLimiter {
  private readonly limiter;

  constructor(
    private readonly limit: number,
    store: LimiterStore,
    keyPrefix: string,
    private readonly observer: RefusalObserver,
  ) {
    this.limiter = store.create({ keyPrefix: `${keyPrefix}:introspection`, points: limit, duration: 60 });
  }

  async consume(address: string): Promise<void> {
    try {
      await this.limiter.consume(address);
    } catch (refused) {
      // A failing store must not lock introspection out: count nothing rather than refuse.
      if (refused instanceof Error) return;
      const msBeforeNext = typeof refused === 'object' && refused !== null && 'msBeforeNext' in refused ? Number(refused.msBeforeNext) : 60_000;
      const retry = secondsUntil(msBeforeNext);
      this.observer.refused('introspection');
      throw new RateLimitedError(
        `Too many schema requests without an API key from this address: at most ${this.limit} per minute. Retry in ${retry} seconds, or send an API key.`,
        retry,
        {},
        true,
      );
    }
  }
}

export interface QueryLimits {
  readonly maxComplexity: number;
  readonly maxDepth: number;
  readonly caps: QueryCaps;
  readonly introspection: IntrospectionLimiter;
}

const pricesBySchema = new WeakMap<GraphQLSchema, ReadonlyMap<string, FieldPrice>>();

function prices(schema: GraphQLSchema): ReadonlyMap<string, FieldPrice> {
  let found = pricesBySchema.get(schema);
  if (!found) {
    found = pricesFor(schema);
    pricesBySchema.set(schema, found);
  }
  return found;
}

/**
 * What an introspection-only operation may cost: twice what the full standard introspection
 * query (every option on) costs on this schema, and never less than the general maximum.
 * Introspection's prices are upper bounds built from the schema's widest type and its field
 * with the most arguments, so a schema with one wide field would otherwise price the
 * standard query (what Sandbox, GraphiQL and code generators send) above the general limit;
 * the answer itself is bounded by the schema, and a query that nests introspection types to
 * multiply its answer still costs many times this and is refused.
 */
const introspectionBudgets = new WeakMap<GraphQLSchema, number>();

export function introspectionBudget(schema: GraphQLSchema, maxComplexity: number): number {
  let budget = introspectionBudgets.get(schema);
  if (budget === undefined) {
    const document = parse(
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }),
    );
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation) throw new Error('the introspection query has no operation');
    budget = 2 * new OperationAnalyser(schema, prices(schema), document, {}).analyse(operation).cost;
    introspectionBudgets.set(schema, budget);
  }
  return Math.max(budget, maxComplexity);
}

function introspectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.operation === 'query' && operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

/** Returns the cost, or refuses a request that costs more than `maxComplexity` (GraphQL and REST alike). */
export function refuseCostAbove(maxComplexity: number, cost: number): number {
  // Fragments that multiply each other can reach astronomic costs: report a number JSON keeps.
  const shown = Math.min(cost, Number.MAX_SAFE_INTEGER);
  if (shown > maxComplexity) {
    throw new QueryTooComplexError(
      `The query costs ${shown}; the maximum is ${maxComplexity}. Ask for fewer customers (pageSize), fewer transactions (first), fewer counts (totalCount) or fewer fields, or split the query.`,
      { cost: shown, maxComplexity },
    );
  }
  return shown;
}

function overCap(what: string, count: number, cap: number, extension: string): QueryTooComplexError {
  return new QueryTooComplexError(`The query has ${count} ${what}; the maximum is ${cap}. Split it into smaller operations.`, { [extension]: cap });
}

/**
 * Everything checked on an operation before it executes, in order of cost to check: it is
 * not a subscription, its document stays under the caps, and its depth and cost (linear analysis, analysis.ts) under their maximums. Returns
 * the cost, and whether this is introspection without a key (counted per client address).
 */
export function checkOperation(
  limits: QueryLimits,
  request: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operation: OperationDefinitionNode;
    variables?: Readonly<Record<string, unknown>>;
    context: GraphQLContext;
  },
): { cost: number; introspection: boolean } {
  const { operation, document, context } = request;
  if (operation.operation === 'subscription') {
    throw new GraphQLError('Subscriptions are not supported by this API: send a query or a mutation over HTTP.', {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  const { caps } = limits;
  const counts = countDocument(document);
  if (counts.aliases > caps.aliases) throw overCap('aliases', counts.aliases, caps.aliases, 'maxAliases');
  if (counts.directives > caps.directives) throw overCap('directives', counts.directives, caps.directives, 'maxDirectives');
  if (counts.fragmentSpreads > caps.fragmentSpreads) throw overCap('fragment spreads', counts.fragmentSpreads, caps.fragmentSpreads, 'maxFragmentSpreads');

  const analysis = new OperationAnalyser(request.schema, prices(request.schema), document, request.variables ?? {}).analyse(operation);
  if (analysis.depth > limits.maxDepth) {
    throw new QueryTooComplexError(`The query is nested ${analysis.depth} levels deep; the maximum is ${limits.maxDepth}. Split it into shallower queries.`, {
      depth: analysis.depth,
      maxDepth: limits.maxDepth,
    });
  }
  const onlyIntrospection = introspectionOnly(operation);
  if (onlyIntrospection) {
    const budget = introspectionBudget(request.schema, limits.maxComplexity);
    if (analysis.cost > budget) {
      const shown = Math.min(analysis.cost, Number.MAX_SAFE_INTEGER);
      throw new QueryTooComplexError(
        `The introspection query costs ${shown}; the maximum for introspection is ${budget} (twice the full standard introspection query). Nest fewer introspection types, or use the standard query.`,
        { cost: shown, maxComplexity: budget },
      );
    }
    return { cost: analysis.cost, introspection: !context.tenant };
  }
  const cost = refuseCostAbove(limits.maxComplexity, analysis.cost);
  return { cost, introspection: false };
}

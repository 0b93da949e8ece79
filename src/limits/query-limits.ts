import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { GraphQLError, Kind } from 'graphql';
import type { QueryCaps } from '../config';
import type { GraphQLContext } from '../context';
import { OperationAnalyser, countDocument } from './analysis';
import { QueryTooComplexError, RateLimitedError, secondsUntil } from './errors';
import type { FieldPrice } from './prices';
import { pricesFor } from './prices';
import type { LimiterStore } from './store';

/** Introspection requests without an API key, per client address per minute. */
export class IntrospectionLimiter {
  private readonly limiter;

  constructor(
    private readonly limit: number,
    store: LimiterStore,
    keyPrefix: string,
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
  const cost = refuseCostAbove(limits.maxComplexity, analysis.cost);
  return { cost, introspection: !context.tenant && introspectionOnly(operation) };
}

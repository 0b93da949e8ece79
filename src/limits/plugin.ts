import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLContext } from '../context';
import { HTTP_STATUS } from '../errors';
import type { QueryLimits } from './query-limits';
import { checkOperation } from './query-limits';
import type { RateLimitOutcome, TenantRateLimits } from './rate-limit';

/** The rate-limit headers of an outcome, GraphQL and REST alike. */
export function rateLimitHeaders(outcome: RateLimitOutcome, now: number): [string, string][] {
  const { budget } = outcome;
  const resetSeconds = Math.max(0, Math.ceil(budget.msBeforeReset / 1000));
  // Both conventions: the widespread X-RateLimit-* (reset as epoch seconds) and the IETF
  // draft's RateLimit-* (reset as seconds from now, which needs no synchronised clock).
  return [
    ['x-ratelimit-limit', String(budget.limit)],
    ['x-ratelimit-remaining', String(budget.remaining)],
    ['x-ratelimit-reset', String(Math.ceil((now + budget.msBeforeReset) / 1000))],
    ['ratelimit-limit', String(budget.limit)],
    ['ratelimit-remaining', String(budget.remaining)],
    ['ratelimit-reset', String(resetSeconds)],
    ...(outcome.allRefused ? [['retry-after', String(outcome.retryAfterSeconds)] as [string, string]] : []),
  ];
}

function setHeaders(http: GraphQLRequestContextWillSendResponse<GraphQLContext>['response']['http'], outcome: RateLimitOutcome, now: number): void {
  for (const [name, value] of rateLimitHeaders(outcome, now)) http.headers.set(name, value);
  if (outcome.allRefused) http.status = HTTP_STATUS.RATE_LIMITED;
}

/**
 * Refuses subscriptions, over-nested variables and operations over a cap, too deep or too
 * costly, before they execute (and before the API key is required, so the answer is the same
 * with or without one); rate-limits introspection without a key per client address; puts the rate-limit state
 * on every authenticated response (headers and `extensions.rateLimit`) and the cost in
 * `extensions.cost`. A request whose every limited root field was refused answers 429 with
 * Retry-After; when only some were, the others' data comes back with 200.
 */
export function limitsPlugin(rateLimits: TenantRateLimits, queryLimits: QueryLimits): ApolloServerPlugin<GraphQLContext> {
  const costs = new WeakMap<GraphQLContext, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, schema, request }) {
          if (!operation) return;
          // Synchronous up to the introspection count: its refusal must come before
          // requireApiKey's, which Apollo runs at the same time (Promise.all).
          const { cost, introspection } = checkOperation(queryLimits, { schema, document, operation, variables: request.variables, context: contextValue });
          costs.set(contextValue, cost);
          if (introspection) await queryLimits.introspection.consume(contextValue.clientAddress);
        },
        async willSendResponse({ contextValue, operation, response }) {
          const now = Date.now();
          const extensions: Record<string, unknown> = {};
          const cost = costs.get(contextValue);
          if (cost !== undefined) extensions.cost = cost;
          if (contextValue.tenant) {
            // Synchronous when the request spent from a budget, so the operation log sees a 429 too.
            const outcome = rateLimits.recorded(contextValue) ?? (await rateLimits.current(contextValue, operation?.operation === 'mutation'));
            setHeaders(response.http, outcome, now);
            extensions.rateLimit = {
              limit: outcome.budget.limit,
              remaining: outcome.budget.remaining,
              resetAt: new Date(now + outcome.budget.msBeforeReset).toISOString(),
            };
          }
          if (response.body.kind === 'single' && Object.keys(extensions).length > 0) {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, ...extensions };
          }
        },
      };
    },
  };
}

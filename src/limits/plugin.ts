import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import { Kind } from 'graphql';
import type { GraphQLContext } from '../context';
import type { CostCheck } from './complexity';
import { checkCost } from './complexity';
import type { RateLimitOutcome, TenantRateLimits } from './rate-limit';

function introspectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

function setHeaders(http: GraphQLRequestContextWillSendResponse<GraphQLContext>['response']['http'], outcome: RateLimitOutcome, now: number): void {
  const { budget } = outcome;
  const resetSeconds = Math.max(0, Math.ceil(budget.msBeforeReset / 1000));
  // Both conventions: the widespread X-RateLimit-* (reset as epoch seconds) and the IETF
  // draft's RateLimit-* (reset as seconds from now, which needs no synchronised clock).
  http.headers.set('x-ratelimit-limit', String(budget.limit));
  http.headers.set('x-ratelimit-remaining', String(budget.remaining));
  http.headers.set('x-ratelimit-reset', String(Math.ceil((now + budget.msBeforeReset) / 1000)));
  http.headers.set('ratelimit-limit', String(budget.limit));
  http.headers.set('ratelimit-remaining', String(budget.remaining));
  http.headers.set('ratelimit-reset', String(resetSeconds));
  if (outcome.allRefused) {
    http.status = 429;
    http.headers.set('retry-after', String(outcome.retryAfterSeconds));
  }
}

/**
 * Refuses too deep or too costly operations before they execute, and puts the rate-limit state
 * on every authenticated response (headers and `extensions.rateLimit`) and the cost in
 * `extensions.cost`. A request whose every limited root field was refused answers 429 with
 * Retry-After; when only some were, the others' data comes back with 200.
 */
export function limitsPlugin(rateLimits: TenantRateLimits, costLimits: CostCheck): ApolloServerPlugin<GraphQLContext> {
  const costs = new WeakMap<GraphQLContext, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, schema, request }) {
          if (!operation) return;
          // Unauthenticated requests other than introspection are refused by requireApiKey.
          if ('error' in contextValue.auth && !introspectionOnly(operation)) return;
          const cost = checkCost(costLimits, { schema, document, operation, operationName: request.operationName, variables: request.variables });
          if (cost !== undefined) costs.set(contextValue, cost);
        },
        async willSendResponse({ contextValue, operation, response }) {
          const now = Date.now();
          const extensions: Record<string, unknown> = {};
          const cost = costs.get(contextValue);
          if (cost !== undefined) extensions.cost = cost;
          if ('tenant' in contextValue.auth) {
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

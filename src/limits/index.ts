import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import type { GraphQLContext } from '../context';
import type { Logger } from '../logger';
import { AuthFailureLimiter } from './auth-failures';
import { queryTextGuard } from './document';
import { limitsPlugin, rateLimitHeaders } from './plugin';
import { IntrospectionLimiter, refuseCostAbove } from './query-limits';
import { TenantRateLimits } from './rate-limit';
import { memoryStore, redisStore } from './store';

/** Response headers browsers may read (CORS), so web clients can back off too. */
export const RATE_LIMIT_HEADERS = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
];

/** The limiters that refuse with RATE_LIMITED, as the metrics name them. */
export type LimiterName = 'tenant' | 'mutation' | 'introspection' | 'auth_failures';

/** Told of every refusal (the metrics count them); never of who was refused. */
export interface RefusalObserver {
  refused(limiter: LimiterName): void;
}

const NO_OBSERVER: RefusalObserver = { refused: () => undefined };

/** How long start-up waits for Redis before serving on the per-process fallback. */
const REDIS_READY_TIMEOUT_MS = 2_000;

/** What a request outside GraphQL (a REST route) asks of the limits. */
export interface Admission {
  /** Counts against the mutation budget too. */
  readonly mutation: boolean;
  /** What the same request costs over GraphQL (src/limits/complexity.ts). */
  readonly cost: number;
  /** A name for it in the rate limiter's state (a GraphQL request uses the root field's). */
  readonly field: string;
}

export interface Limits {
  readonly authFailures: AuthFailureLimiter;
  /** The schema with the per-tenant rate limits on its root fields. */
  apply(schema: GraphQLSchema): GraphQLSchema;
  /** Depth and cost checks, rate-limit headers and extensions, 429s. */
  readonly plugins: ApolloServerPlugin<GraphQLContext>[];
  /** Express middleware refusing a query text over the token or nesting cap before parsing. */
  readonly queryTextGuard: ReturnType<typeof queryTextGuard>;
  /**
   * The same cost limit and rate limits for a request that does not go through GraphQL: refuses
   * it (QUERY_TOO_COMPLEX, RATE_LIMITED) or spends its budget, and hands over the rate-limit
   * headers either way.
   */
  admit(context: GraphQLContext, request: Admission, setHeader: (name: string, value: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Rate limits, query cost limits and the auth-failure limit of one gateway. */
export async function createLimits(config: Config, logger: Logger, observer: RefusalObserver = NO_OBSERVER): Promise<Limits> {
  const { redisUrl } = config.rateLimit;
  const store = redisUrl ? redisStore(redisUrl, logger) : memoryStore();
  await store.ready(REDIS_READY_TIMEOUT_MS);
  const rateLimits = new TenantRateLimits(config.rateLimit, store, observer);
  return {
    authFailures: new AuthFailureLimiter(config.authFailureLimit, store, config.rateLimit.keyPrefix, observer),
    apply: (schema) => rateLimits.apply(schema),
    plugins: [
      limitsPlugin(rateLimits, {
        maxComplexity: config.maxQueryComplexity,
        maxDepth: config.maxQueryDepth,
        caps: config.queryCaps,
        introspection: new IntrospectionLimiter(config.introspectionRateLimit, store, config.rateLimit.keyPrefix, observer),
      }),
    ],
    queryTextGuard: queryTextGuard(config.queryCaps),
    async admit(context, request, setHeader) {
      refuseCostAbove(config.maxQueryComplexity, request.cost);
      try {
        await rateLimits.spend(context, request.mutation, request.field);
      } finally {
        const outcome = rateLimits.recorded(context);
        if (outcome) for (const [name, value] of rateLimitHeaders(outcome, Date.now())) setHeader(name, value);
      }
    },
    close: () => store.close(),
  };
}

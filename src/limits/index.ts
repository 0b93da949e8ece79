import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import type { GraphQLContext } from '../context';
import type { Logger } from '../logger';
import { AuthFailureLimiter } from './auth-failures';
import { limitsPlugin } from './plugin';
import { TenantRateLimits } from './rate-limit';
import type { LimiterStore } from './store';
import { memoryStore, redisStore } from './store';

export { customerPageCost, transactionsCost } from './complexity';

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

/** How long start-up waits for Redis before serving on the per-process fallback. */
const REDIS_READY_TIMEOUT_MS = 2_000;

export interface Limits {
  readonly store: LimiterStore;
  readonly authFailures: AuthFailureLimiter;
  /** The schema with the per-tenant rate limits on its root fields. */
  apply(schema: GraphQLSchema): GraphQLSchema;
  /** Depth and cost checks, rate-limit headers and extensions, 429s. */
  readonly plugins: ApolloServerPlugin<GraphQLContext>[];
  close(): Promise<void>;
}

/** Rate limits, query cost limits and the auth-failure limit of one gateway. */
export async function createLimits(config: Config, logger: Logger): Promise<Limits> {
  const { redisUrl } = config.rateLimit;
  const store = redisUrl ? redisStore(redisUrl, logger) : memoryStore();
  await store.ready(REDIS_READY_TIMEOUT_MS);
  const rateLimits = new TenantRateLimits(config.rateLimit, store);
  return {
    store,
    authFailures: new AuthFailureLimiter(config.authFailureLimit, store, config.rateLimit.keyPrefix),
    apply: (schema) => rateLimits.apply(schema),
    plugins: [limitsPlugin(rateLimits, { maxComplexity: config.maxQueryComplexity, maxDepth: config.maxQueryDepth })],
    close: () => store.close(),
  };
}

import { once } from 'node:events';
import Redis from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../logger';

/** The options every limiter is built from (what graphql-rate-limit-directive passes too). */
export type LimiterOptions = ConstructorParameters<typeof RateLimiterMemory>[0];

/** A limiter class the directive can instantiate: `new limiterClass(options)`. */
export type LimiterClass = new (options: LimiterOptions) => RateLimiterAbstract;

/**
 * Where rate-limit counters live. `limiterClass` is handed to graphql-rate-limit-directive;
 * every limiter it builds is also kept by its key prefix, so the gateway can read a budget
 * (`find(prefix).get(key)`) without spending from it.
 */
export interface LimiterStore {
  readonly kind: 'memory' | 'redis';
  readonly limiterClass: LimiterClass;
  /** A limiter built here, outside the directive (the auth-failure counter). */
  create(options: LimiterOptions): RateLimiterAbstract;
  find(keyPrefix: string): RateLimiterAbstract | undefined;
  /** Resolves once the store can take requests, or after `timeoutMs` (the fallback then serves). */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function registry(): { register(limiter: RateLimiterAbstract, prefix: string | undefined): void; find(prefix: string): RateLimiterAbstract | undefined } {
  const byPrefix = new Map<string, RateLimiterAbstract>();
  return {
    register(limiter, prefix) {
      byPrefix.set(prefix ?? '', limiter);
    },
    find: (prefix) => byPrefix.get(prefix),
  };
}

/** One process's counters: right for a single instance, and the default. */
export function memoryStore(): LimiterStore {
  const limiters = registry();
  class RegisteredMemoryLimiter extends RateLimiterMemory {
    constructor(options: LimiterOptions) {
      super(options);
      limiters.register(this, options.keyPrefix);
    }
  }
  return {
    kind: 'memory',
    limiterClass: RegisteredMemoryLimiter,
    create: (options) => new RegisteredMemoryLimiter(options),
    find: limiters.find,
    ready: async () => undefined,
    close: async () => undefined,
  };
}

/**
 * Counters in Redis, shared by every gateway instance that uses the same Redis and prefix.
 * While Redis cannot be reached, each limiter answers from its own in-memory insurance limiter
 * (same points and window, per process), so a Redis outage never fails a request; every call
 * tries Redis first, so the shared budget is used again as soon as Redis is back.
 */
const COMMAND_TIMEOUT_MS = 500;

/** rate-limiter-flexible's (untyped) error handler, which hands a failed call to the insurance limiter. */
const handleError = (RateLimiterRedis.prototype as unknown as { _handleError(this: RateLimiterRedis, ...args: unknown[]): unknown })._handleError;

export function redisStore(url: string, logger: Logger): LimiterStore {
  const redis = new Redis(url, {
    // Without an offline queue a command fails at once while disconnected, instead of waiting
    // for a reconnect that may never come: the insurance limiter then answers.
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    // A Redis that accepts the connection but does not answer must not hold requests either.
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Keep reconnecting for ever, at most every 2 s, so the shared budget comes back on its own.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });

  // One log line per outage and one per recovery, never one per request.
  let reachable: boolean | undefined;
  let closing = false;
  const down = (reason: string) => {
    if (reachable === false || closing) return;
    reachable = false;
    logger.warn({ reason }, 'rate limits: Redis unreachable, counting per process until it returns');
  };
  redis.on('ready', () => {
    if (reachable === false) logger.info('rate limits: Redis reachable again, budgets shared again');
    reachable = true;
  });
  // ioredis emits 'error' for every failed reconnect; a listener is needed anyway, or it
  // prints each one to stderr.
  redis.on('error', (error: Error) => down(error.message));
  redis.on('close', () => down('connection closed'));

  // A Redis that keeps the connection open but stops answering: the first command that times
  // out drops the connection, so every later call finds it not ready and the insurance
  // limiter answers at once (instead of each waiting out the command timeout); ioredis then
  // reconnects on its own and the connection is ready again once Redis answers.
  const hung = (error: unknown) => {
    if (!(error instanceof Error) || error.message !== 'Command timed out' || redis.status !== 'ready') return;
    down(`no answer within ${COMMAND_TIMEOUT_MS} ms`);
    redis.disconnect(true);
  };

  const limiters = registry();
  class RegisteredRedisLimiter extends RateLimiterRedis {
    constructor(options: LimiterOptions) {
      super({
        ...options,
        storeClient: redis,
        // Reject at once when the connection is not ready, so the insurance limiter answers.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points: options.points, duration: options.duration, keyPrefix: options.keyPrefix }),
      });
      limiters.register(this, options.keyPrefix);
    }

    // rate-limiter-flexible routes every failed Redis call here before the insurance limiter.
    _handleError(error: unknown, ...rest: unknown[]): unknown {
      hung(error);
      return handleError.call(this, error, ...rest);
    }
  }

  return {
    kind: 'redis',
    limiterClass: RegisteredRedisLimiter,
    create: (options) => new RegisteredRedisLimiter(options),
    find: limiters.find,
    async ready(timeoutMs) {
      if (redis.status === 'ready') return;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        await once(redis, 'ready', { signal: controller.signal });
      } catch {
        down('not reachable at start');
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closing = true;
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

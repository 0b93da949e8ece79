import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Tenant } from '../auth/tenant';
import { UnauthenticatedError } from '../errors';
import { RateLimitedError, secondsUntil } from './errors';
import type { LimiterStore } from './store';

const WINDOW_SECONDS = 60;

/**
 * Bounds guessing of API keys: past `limit` invalid keys from one client address in a minute,
 * the address is refused (429) before its keys are looked up, so a guesser cannot load the
 * database. The address is express's `req.ip`: with TRUST_PROXY it comes from X-Forwarded-For,
 * otherwise from the socket, so a client cannot pick a new one per request.
 */
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    private readonly limit: number,
    store: LimiterStore,
    keyPrefix: string,
  ) {
    this.limiter = store.create({ keyPrefix: `${keyPrefix}:authfail`, points: limit, duration: WINDOW_SECONDS });
  }

  async authenticate(address: string, authenticate: () => Promise<Tenant>): Promise<Tenant> {
    // A failing store must not lock every client out: count nothing rather than refuse.
    const seen = await this.limiter.get(address).catch(() => null);
    if (seen && seen.consumedPoints >= this.limit) {
      const retry = secondsUntil(seen.msBeforeNext);
      throw new RateLimitedError(
        `Too many invalid API keys from this address: at most ${this.limit} per minute. Retry in ${retry} seconds with a valid key.`,
        retry,
        {},
        true,
      );
    }
    try {
      return await authenticate();
    } catch (error) {
      // Only a presented key that is wrong counts: a missing key costs no lookup, and pure
      // introspection without a key is allowed.
      if (error instanceof UnauthenticatedError && error.message === 'Invalid API key') {
        await this.limiter.penalty(address, 1).catch(() => undefined);
      }
      throw error;
    }
  }
}

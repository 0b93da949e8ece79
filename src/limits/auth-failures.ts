import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Authenticator } from '../auth/authenticator';
import type { Database } from '../db/database';
import type { Tenant } from '../auth/tenant';
import { UnauthenticatedError } from '../errors';
import { RateLimitedError, secondsUntil } from './errors';
import type { RefusalObserver } from './index';
import type { LimiterStore } from './store';

const WINDOW_SECONDS = 60;

/**
 * Bounds guessing of API keys: at most `limit` lookups of keys that turn out invalid per client
 * address per minute; past that, the address is refused (429) before its keys are looked up,
 * so a guesser cannot load the database. Each lookup reserves its point BEFORE it starts (and
 * gives it back when the key is valid), so 400 unknown keys sent at once make at most `limit`
 * lookups. A key verified a moment ago (cached) costs no lookup and needs no reservation.
 * The address is express's `req.ip`: the socket's, or with TRUST_PROXY the one the trusted
 * proxies name, so a client cannot pick a new one per request.
 */
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    private readonly limit: number,
    store: LimiterStore,
    keyPrefix: string,
    private readonly observer: RefusalObserver,
  ) {
    this.limiter = store.create({ keyPrefix: `${keyPrefix}:authfail`, points: limit, duration: WINDOW_SECONDS });
  }

  /** `via`: the request's view of the database for the lookup (its traced calls), if not the authenticator's own. */
  async authenticate(address: string, key: string | undefined, authenticator: Authenticator, via?: Database): Promise<Tenant> {
    // A missing key costs no lookup (and pure introspection without a key is allowed).
    if (key === undefined || key === '') return authenticator.authenticate(key);
    const known = authenticator.cached(key);
    if (known) return known;
    await this.reserve(address);
    // Only a key that is wrong keeps its point: a valid key or a database outage gives it back.
    let giveBack = true;
    try {
      return await authenticator.authenticate(key, via);
    } catch (error) {
      giveBack = !(error instanceof UnauthenticatedError);
      throw error;
    } finally {
      if (giveBack) await this.limiter.reward(address, 1).catch(() => undefined);
    }
  }

  private async reserve(address: string): Promise<void> {
    try {
      await this.limiter.consume(address, 1);
    } catch (refused) {
      // A failing store must not lock every client out: count nothing rather than refuse.
      if (refused instanceof Error) return;
      const msBeforeNext = typeof refused === 'object' && refused !== null && 'msBeforeNext' in refused ? Number(refused.msBeforeNext) : WINDOW_SECONDS * 1000;
      const retry = secondsUntil(msBeforeNext);
      this.observer.refused('auth_failures');
      throw new RateLimitedError(
        `Too many invalid API keys from this address: at most ${this.limit} per minute. Retry in ${retry} seconds with a valid key.`,
        retry,
        {},
        true,
      );
    }
  }
}

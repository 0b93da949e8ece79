import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database';
import { DatabaseError } from '../db/errors';
import { fromDatabaseError, UnauthenticatedError } from '../errors';
import type { EnvironmentName } from './api-keys';
import { hashApiKey, looksLikeApiKey } from './api-keys';
import type { Tenant } from './tenant';

/** Bounds the cache whatever the number of keys presented. */
const MAX_CACHED_KEYS = 10_000;

interface VerifiedRow {
  api_key_id: string;
  organization_id: string;
  merchant_id: string;
  environment: EnvironmentName;
  /** Returned since migration 010; a database still on an older one leaves it undefined. */
  expires_at?: Date | string | null;
}

/**
 * Turns a presented API key into a tenant. Only the key's SHA-256 reaches the database
 * (verify_api_key). A positive answer is cached for `ttlSeconds`, so a busy key costs no
 * database round trip, and a revoked key stops working within that time; concurrent requests
 * with the same key share one lookup (lru-cache's fetchMethod). Negative answers are not
 * cached: a key created a moment ago works at once.
 */
export class Authenticator {
  /** The fetch context is the database to look a key up through (a request's traced view), when given. */
  private readonly tenants: LRUCache<string, Tenant, Database | undefined>;

  constructor(
    db: Database,
    private readonly ttlSeconds: number,
  ) {
    this.tenants = new LRUCache<string, Tenant, Database | undefined>({
      max: MAX_CACHED_KEYS,
      // With a TTL of 0 nothing is kept (every fetch refreshes), but lookups still coalesce.
      ttl: Math.max(1, ttlSeconds) * 1000,
      fetchMethod: async (hash, _stale, { options, context }) => {
        const verified = await verify(context ?? db, hash);
        if (!verified) return undefined;
        // A key that expires before the cache would forget it is kept only until it expires.
        if (verified.expiresAt !== undefined) {
          const left = verified.expiresAt - Date.now();
          if (left <= 0) return undefined;
          options.ttl = Math.min(options.ttl ?? Infinity, left);
        }
        return verified.tenant;
      },
    });
  }

  /** The tenant of a key verified a moment ago (no database call), or undefined. */
  cached(key: string | undefined): Tenant | undefined {
    if (this.ttlSeconds === 0 || key === undefined || !looksLikeApiKey(key)) return undefined;
    return this.tenants.get(hashApiKey(key));
  }

  /**
   * Resolves to the key's tenant; rejects with UnauthenticatedError or a service error. `via`:
   * the database view to look the key up through (a request's, whose calls are traced); requests
   * that share one lookup share the first one's.
   */
  async authenticate(key: string | undefined, via?: Database): Promise<Tenant> {
    if (key === undefined || key === '') throw new UnauthenticatedError('API key is missing');
    if (!looksLikeApiKey(key)) throw new UnauthenticatedError('Invalid API key');
    const tenant = await this.tenants.fetch(hashApiKey(key), { forceRefresh: this.ttlSeconds === 0, context: via });
    if (!tenant) throw new UnauthenticatedError('Invalid API key');
    return tenant;
  }
}

async function verify(db: Database, hash: string): Promise<{ tenant: Tenant; expiresAt: number | undefined } | undefined> {
  let rows: VerifiedRow[];
  try {
    rows = await db.rpc<VerifiedRow>('verify_api_key', { p_key_hash: hash });
  } catch (error) {
    // The whole request is refused: 503 while the database is away.
    if (error instanceof DatabaseError) throw fromDatabaseError(error, true) ?? error;
    throw error;
  }
  const row = rows[0];
  if (!row) return undefined;
  const tenant: Tenant = { apiKeyId: row.api_key_id, organizationId: row.organization_id, merchantId: row.merchant_id, environment: row.environment };
  return { tenant, expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : undefined };
}

/** The key from `x-api-key`, or else from `Authorization: Bearer <key>`. */
export function presentedKey(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const header = headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct !== undefined && direct.trim() !== '') return direct.trim();
  const authorization = headers.authorization;
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}

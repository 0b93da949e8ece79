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
}

/**
 * Turns a presented API key into a tenant. Only the key's SHA-256 reaches the database
 * (verify_api_key). A positive answer is cached for `ttlSeconds`, so a busy key costs no
 * database round trip, and a revoked key stops working within that time. Negative answers are
 * not cached: a key created a moment ago works at once.
 */
export class Authenticator {
  private readonly cache = new Map<string, { tenant: Tenant; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<Tenant | undefined>>();

  constructor(
    private readonly db: Database,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves to the key's tenant; rejects with UnauthenticatedError or a service error. */
  async authenticate(key: string | undefined): Promise<Tenant> {
    if (key === undefined || key === '') throw new UnauthenticatedError('API key is missing');
    if (!looksLikeApiKey(key)) throw new UnauthenticatedError('Invalid API key');
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > this.now()) return cached.tenant;
    if (cached) this.cache.delete(hash);

    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.verify(hash).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    const tenant = await pending;
    if (!tenant) throw new UnauthenticatedError('Invalid API key');
    return tenant;
  }

  private async verify(hash: string): Promise<Tenant | undefined> {
    let rows: VerifiedRow[];
    try {
      rows = await this.db.rpc<VerifiedRow>('verify_api_key', { p_key_hash: hash });
    } catch (error) {
      if (error instanceof DatabaseError) throw fromDatabaseError(error, 503) ?? error;
      throw error;
    }
    const row = rows[0];
    if (!row) return undefined;
    const tenant: Tenant = {
      apiKeyId: row.api_key_id,
      organizationId: row.organization_id,
      merchantId: row.merchant_id,
      environment: row.environment,
    };
    if (this.ttlSeconds > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(hash, { tenant, expiresAt: this.now() + this.ttlSeconds * 1000 });
    }
    return tenant;
  }
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

import type { EnvironmentName } from '../auth/api-keys';
import { generateApiKey } from '../auth/api-keys';
import { analyzeDomainTables, withoutStatementTimeout } from '../db/bulk';
import type { Database } from '../db/database';
import { toDatabaseError } from '../db/errors';
import { isSqlDatabase, rpcStatement } from '../db/sql-database';

/**
 * The admin flows: organizations, API keys and demo data. The one module `npm start` (the demo),
 * the CLI, the test helpers and the benchmark's seed use, and besides the repositories the only
 * caller of `db.rpc`. The SQL functions do the work (schema/sql/004_admin_functions.sql).
 */

export interface Organization {
  readonly organizationId: string;
  /** The organization's first merchant, made with it. */
  readonly merchantId: string;
}

export async function createOrganization(db: Database, name: string): Promise<Organization> {
  const [row] = await db.rpc<{ organization_id: string; merchant_id: string }>('create_organization', { p_name: name });
  if (!row) throw new Error('create_organization returned no row');
  return { organizationId: row.organization_id, merchantId: row.merchant_id };
}

export interface NewKeyRequest {
  readonly organizationId: string;
  readonly environment: EnvironmentName;
  /** The keys' prefix (config.apiKeyPrefix), e.g. `lomi`. */
  readonly prefix: string;
  readonly name?: string | null;
  /** A merchant of the organization; its first one when absent. */
  readonly merchantId?: string | null;
  readonly expiresAt?: Date | null;
}

export interface CreatedKey {
  readonly id: string;
  /** The whole key: shown once; only its hash is stored. */
  readonly apiKey: string;
  readonly environment: EnvironmentName;
}

export async function createApiKey(db: Database, request: NewKeyRequest): Promise<CreatedKey> {
  const key = generateApiKey(request.prefix, request.environment);
  const [row] = await db.rpc<{ api_key_id: string; environment: EnvironmentName }>('create_api_key', {
    p_organization_id: request.organizationId,
    p_environment: request.environment,
    p_key_hash: key.hash,
    p_key_prefix: key.displayPrefix,
    p_name: request.name ?? null,
    p_merchant_id: request.merchantId ?? null,
    p_expires_at: request.expiresAt ?? null,
  });
  if (!row) throw new Error('create_api_key returned no row');
  return { id: row.api_key_id, apiKey: key.key, environment: row.environment };
}

/** A key as listed: never the key itself, only its non-secret beginning. */
export interface ListedKey {
  api_key_id: string;
  merchant_id: string;
  name: string;
  key_prefix: string;
  environment: EnvironmentName;
  is_active: boolean;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
  created_at: Date | string;
}

export function listApiKeys(db: Database, organizationId: string): Promise<ListedKey[]> {
  return db.rpc<ListedKey>('list_api_keys', { p_organization_id: organizationId });
}

/** An organization as listed, with how many merchants and usable keys it has. */
export interface ListedOrganization {
  organization_id: string;
  name: string;
  created_at: Date | string;
  merchants: number | string;
  active_keys: number | string;
}

/** The newest organizations first, at most `limit` (1-10,000). */
export function listOrganizations(db: Database, limit: number): Promise<ListedOrganization[]> {
  return db.rpc<ListedOrganization>('list_organizations', { p_limit: limit });
}

/** The revoked key, or undefined when there is no active key with that id. */
export async function revokeApiKey(db: Database, id: string): Promise<{ id: string; revokedAt: Date | string } | undefined> {
  const [row] = await db.rpc<{ api_key_id: string; revoked_at: Date | string }>('revoke_api_key', { p_api_key_id: id });
  return row ? { id: row.api_key_id, revokedAt: row.revoked_at } : undefined;
}

/**
 * Deletes every tenant's idempotency records older than 24 hours (each tenant's own writes
 * purge its expired records too); returns how many went.
 */
export async function purgeIdempotencyKeys(db: Database): Promise<number> {
  const [row] = await db.rpc<{ purged: number }>('purge_idempotency_keys', {});
  return Number(row?.purged ?? 0);
}

export interface SeedRequest {
  readonly organizationId: string;
  readonly environment: EnvironmentName;
  readonly customers: number;
  readonly transactionsPerCustomer: number;
}

/**
 * West-African demo customers with transactions, made set-based by the database, then fresh
 * planner statistics (after a bulk load the old ones describe tables a fraction of their size).
 * On a SQL database the seed runs without the statement timeout that bounds requests; through
 * Supabase it is one RPC call (bounded by SUPABASE_TIMEOUT_MS), and Supabase's autovacuum
 * analyses.
 */
export async function seedDemoCustomers(db: Database, request: SeedRequest): Promise<{ customers: number; transactions: number }> {
  const args = {
    p_organization_id: request.organizationId,
    p_environment: request.environment,
    p_customers: request.customers,
    p_transactions_per_customer: request.transactionsPerCustomer,
  };
  let row: { customers: number | string; transactions: number | string } | undefined;
  if (isSqlDatabase(db)) {
    const { text, values } = rpcStatement('seed_demo_customers', args);
    try {
      [row] = await withoutStatementTimeout(db, (session) => session.query<{ customers: number; transactions: number }>(text, values));
      await analyzeDomainTables(db);
    } catch (error) {
      throw toDatabaseError(error);
    }
  } else {
    [row] = await db.rpc<{ customers: number | string; transactions: number | string }>('seed_demo_customers', args);
  }
  if (!row) throw new Error('seed_demo_customers returned no row');
  return { customers: Number(row.customers), transactions: Number(row.transactions) };
}

/** A demo organization in the test environment: its customers, and a key to read them. */
export async function createDemo(
  db: Database,
  options: { name: string; customers: number; transactionsPerCustomer: number; prefix: string; keyName: string },
): Promise<Organization & { apiKey: string }> {
  const organization = await createOrganization(db, options.name);
  await seedDemoCustomers(db, {
    organizationId: organization.organizationId,
    environment: 'test',
    customers: options.customers,
    transactionsPerCustomer: options.transactionsPerCustomer,
  });
  const key = await createApiKey(db, { organizationId: organization.organizationId, environment: 'test', prefix: options.prefix, name: options.keyName });
  return { ...organization, apiKey: key.apiKey };
}

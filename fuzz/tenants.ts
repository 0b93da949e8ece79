import { randomBytes } from 'node:crypto';
import { createApiKey, createOrganization } from '../src/admin/admin';
import type { EnvironmentName } from '../src/auth/api-keys';
import type { SqlDatabase } from '../src/db/sql-database';
import type { IdPools } from './pools';

/** What the fuzzer knows of the data it runs against. */
export interface FuzzTenants {
  /** The API key every request uses (the fuzzing tenant's, test environment). */
  readonly key: string;
  readonly ids: IdPools;
  /** Text that must never appear in an answer: other tenants' ids and marker names. */
  readonly forbidden: readonly string[];
}

interface Tenant {
  organizationId: string;
  merchantId: string;
  environment: EnvironmentName;
}

/** Customers (each with a completed and a refunded transaction); returns customer and transaction ids. */
async function customers(db: SqlDatabase, tenant: Tenant, count: number, label: (i: number) => string): Promise<{ customers: string[]; transactions: string[] }> {
  const ids = { customers: [] as string[], transactions: [] as string[] };
  for (let i = 0; i < count; i += 1) {
    const [row] = await db.rpc<{ customer_id: string }>('create_customer', {
      p_merchant_id: tenant.merchantId,
      p_organization_id: tenant.organizationId,
      p_environment: tenant.environment,
      p_name: label(i),
      p_email: `${label(i).replace(/\s+/g, '.').toLowerCase()}@example.com`,
      p_phone_number: null,
      p_is_business: i % 3 === 0,
      p_metadata: { label: label(i), tier: i % 4 },
    });
    ids.customers.push(row.customer_id);
    const rows = await db.session((s) =>
      s.query<{ transaction_id: string }>(
        `insert into transactions (organization_id, customer_id, description, gross_amount, currency_code, status, environment)
         values ($1, $2, $4, 1500, 'XOF', 'completed', $3), ($1, $2, $4, 250.5, 'EUR', 'refunded', $3)
         returning transaction_id`,
        [tenant.organizationId, row.customer_id, tenant.environment, `Order of ${label(i)}`],
      ),
    );
    ids.transactions.push(...rows.map((r) => r.transaction_id));
  }
  return ids;
}

/**
 * Three tenants: the one fuzzed (an organization's test environment, with a key), the same
 * organization's live environment, and another organization. The other two hold customers and
 * transactions whose ids, and names carrying a marker no request contains, must never show.
 */
export async function seedTenants(db: SqlDatabase, apiKeyPrefix: string): Promise<FuzzTenants> {
  const marker = `zq${randomBytes(5).toString('hex')}`;
  const own = await createOrganization(db, 'Fuzzed organization');
  const other = await createOrganization(db, `Other organization ${marker}`);
  const fuzzed: Tenant = { ...own, environment: 'test' };
  const ownLive: Tenant = { ...own, environment: 'live' };
  const foreign: Tenant = { ...other, environment: 'test' };

  const key = await createApiKey(db, { organizationId: own.organizationId, environment: 'test', prefix: apiKeyPrefix, name: 'fuzz' });
  const mine = await customers(db, fuzzed, 12, (i) => `Fuzzed Customer ${i}`);
  const live = await customers(db, ownLive, 4, (i) => `Live ${marker} ${i}`);
  const theirs = await customers(db, foreign, 6, (i) => `Foreign ${marker} ${i}`);
  return {
    key: key.apiKey,
    ids: { own: mine.customers, foreign: [...live.customers, ...theirs.customers, ...theirs.transactions.slice(0, 2)] },
    forbidden: [marker, other.organizationId, other.merchantId, ...live.customers, ...live.transactions, ...theirs.customers, ...theirs.transactions],
  };
}

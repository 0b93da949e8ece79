import type { SqlDatabase } from '../../src/db/sql-database';
import type { EnvironmentName, TestTenant } from './tenants';

import type { CustomerRow } from '../../src/customers/customer.mapper';

/** The rows the domain functions return: the same types the gateway maps from. */
export type { CustomerRow, TransactionRow } from '../../src/customers/customer.mapper';

export interface ListedCustomerRow extends CustomerRow {
  total_count: number | null;
}

export type TransactionStatus = 'pending' | 'completed' | 'failed' | 'refunded' | 'expired';

export interface NewCustomer {
  name?: string;
  email?: string | null;
  phone_number?: string | null;
  is_business?: boolean;
  metadata?: Record<string, unknown> | null;
}

let counter = 0;

/** Creates a customer through create_customer, as the gateway does. */
export async function addCustomer(db: SqlDatabase, tenant: TestTenant, fields: NewCustomer = {}): Promise<CustomerRow> {
  const n = ++counter;
  const [row] = await db.rpc<CustomerRow>('create_customer', {
    p_merchant_id: tenant.merchantId,
    p_organization_id: tenant.organizationId,
    p_environment: tenant.environment,
    p_name: fields.name ?? `Customer ${n}`,
    p_email: fields.email === undefined ? `customer${n}@example.com` : fields.email,
    p_phone_number: fields.phone_number,
    p_is_business: fields.is_business,
    p_metadata: fields.metadata,
  });
  return row;
}

/** Sets columns the functions never let a caller choose (timestamps), with plain SQL. */
export async function setCustomerCreatedAt(db: SqlDatabase, customerId: string, createdAt: Date): Promise<void> {
  await db.session((s) => s.query('update customers set created_at = $2 where customer_id = $1', [customerId, createdAt]));
}

/**
 * Moves updated_at into the past. The touch trigger would overwrite a plain update, so it is
 * silenced for this one transaction (replica role skips ordinary triggers).
 */
export async function backdateUpdatedAt(db: SqlDatabase, customerId: string, updatedAt: Date): Promise<void> {
  await db.session((s) =>
    s.transaction(async (tx) => {
      await tx.query('set local session_replication_role = replica');
      await tx.query('update customers set updated_at = $2 where customer_id = $1', [customerId, updatedAt]);
    }),
  );
}

export interface NewTransaction {
  status?: TransactionStatus;
  amount?: number;
  currency?: string;
  createdAt?: Date;
  description?: string;
}

/** Inserts a transaction of a customer with plain SQL (there is no function for it). */
export async function addTransaction(
  db: SqlDatabase,
  tenant: TestTenant,
  customerId: string,
  tx: NewTransaction = {},
): Promise<string> {
  const rows = await db.session((s) =>
    s.query<{ transaction_id: string }>(
      `insert into transactions (organization_id, customer_id, description, gross_amount, currency_code, status, environment, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()))
       returning transaction_id`,
      [
        tenant.organizationId,
        customerId,
        tx.description ?? 'Payment',
        tx.amount ?? 1000,
        tx.currency ?? 'XOF',
        tx.status ?? 'completed',
        tenant.environment,
        tx.createdAt ?? null,
      ],
    ),
  );
  return rows[0].transaction_id;
}

/** The stored row, internal columns included. */
export async function storedCustomer(db: SqlDatabase, customerId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await db.session((s) => s.query('select * from customers where customer_id = $1', [customerId]));
  return rows[0];
}

/** Minutes before a fixed instant: distinct, ordered timestamps without waiting. */
export function minutesAgo(minutes: number): Date {
  return new Date(Date.UTC(2024, 0, 15, 12, 0, 0) - minutes * 60_000);
}

export function listArgs(tenant: TestTenant, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    p_merchant_id: tenant.merchantId,
    p_organization_id: tenant.organizationId,
    p_environment: tenant.environment,
    p_search_term: null,
    p_customer_type: 'all',
    p_activity_status: 'all',
    p_offset: 0,
    p_limit: 50,
    ...overrides,
  };
}

export async function listCustomers(
  db: SqlDatabase,
  tenant: TestTenant,
  overrides: Record<string, unknown> = {},
): Promise<ListedCustomerRow[]> {
  return db.rpc<ListedCustomerRow>('fetch_customers_with_status', listArgs(tenant, overrides));
}

export async function countCustomers(db: SqlDatabase, tenant: TestTenant, filters: Record<string, unknown> = {}): Promise<number> {
  const [row] = await db.rpc<{ total_count: number }>('count_customers_with_status', {
    p_organization_id: tenant.organizationId,
    p_environment: tenant.environment,
    ...filters,
  });
  return row.total_count;
}

export const names = (rows: readonly { name: string }[]): string[] => rows.map((row) => row.name);

/** The DatabaseError kind a call fails with. */
export async function errorKind(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'kind' in error && typeof error.kind === 'string') return error.kind;
    throw error;
  }
  throw new Error('expected the call to fail');
}

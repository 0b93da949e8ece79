import type { Database } from '../db/database';
import type { Tenant } from '../auth/tenant';
import type { CustomerPatch, CustomerRow, NewCustomer } from './customer.fields';
import { INPUT_FIELDS } from './customer.fields';
import type { CustomerChangeRow, CustomerConnectionRow, CustomerTotalsRow, TransactionConnectionRow, TransactionRow } from './customer.mapper';
import type { ActivityStatus, CustomerSortKey, CustomerType } from './enums';

export interface CustomerFilter {
  search: string | null;
  type: CustomerType;
  status: ActivityStatus;
}

export type { CustomerPatch, NewCustomer };

/**
 * The only way resolvers reach customer data. Bound to one tenant at construction: every call
 * passes that organization and environment to a SQL function, which filters by them itself.
 */
export class CustomerRepository {
  constructor(
    private readonly db: Database,
    readonly tenant: Tenant,
  ) {}

  private get scope() {
    return { p_organization_id: this.tenant.organizationId, p_environment: this.tenant.environment };
  }

  async list(filter: CustomerFilter, offset: number, limit: number): Promise<CustomerRow[]> {
    return this.db.rpc<CustomerRow>('fetch_customers_with_status', {
      ...this.scope,
      p_merchant_id: this.tenant.merchantId,
      p_search_term: filter.search,
      p_customer_type: filter.type,
      p_activity_status: filter.status,
      p_offset: offset,
      p_limit: limit,
      p_include_total: false,
    });
  }

  async count(filter: CustomerFilter): Promise<number> {
    const [row] = await this.db.rpc<{ total_count: number }>('count_customers_with_status', {
      ...this.scope,
      p_search_term: filter.search,
      p_customer_type: filter.type,
      p_activity_status: filter.status,
    });
    return row?.total_count ?? 0;
  }

  async findByIds(ids: readonly string[]): Promise<CustomerRow[]> {
    return this.db.rpc<CustomerRow>('get_customers_by_ids', { ...this.scope, p_customer_ids: [...ids] });
  }

  /**
   * Creates a customer. With an idempotency key, a retry of the same input returns the first
   * call's customer as it is now, or undefined when it has since been deleted or erased.
   */
  async create(input: NewCustomer, idempotencyKey: string | null = null): Promise<CustomerRow | undefined> {
    const fields: Record<string, unknown> = {};
    for (const spec of INPUT_FIELDS) fields[`p_${spec.column}`] = input[spec.field] ?? ('createDefault' in spec ? spec.createDefault : null);
    const [row] = await this.db.rpc<CustomerRow>('create_customer', {
      ...this.scope,
      p_merchant_id: this.tenant.merchantId,
      ...fields,
      // absent, not null, without a key: the call stays the seed's create_customer call
      ...(idempotencyKey === null ? {} : { p_idempotency_key: idempotencyKey }),
    });
    return row;
  }

  /** Returns the updated row, or undefined when the customer is not the tenant's (or deleted). */
  async update(id: string, patch: CustomerPatch, expectedVersion: number | null = null): Promise<CustomerRow | undefined> {
    const body: Record<string, unknown> = {};
    for (const { field, column } of INPUT_FIELDS) if (patch[field] !== undefined) body[column] = patch[field];
    const [row] = await this.db.rpc<CustomerRow>('update_customer', {
      ...this.scope,
      p_customer_id: id,
      p_patch: body,
      ...(expectedVersion === null ? {} : { p_expected_version: expectedVersion }),
    });
    return row;
  }

  /** Whether it deleted: false when the customer is not the tenant's or already deleted. */
  async delete(id: string, expectedVersion: number | null = null): Promise<boolean> {
    const [row] = await this.db.rpc<{ deleted: boolean }>('delete_customer', {
      ...this.scope,
      p_customer_id: id,
      ...(expectedVersion === null ? {} : { p_expected_version: expectedVersion }),
    });
    return row?.deleted === true;
  }

  /** The customer brought back (or as it is, when not deleted); undefined when erased, missing or foreign. */
  async restore(id: string): Promise<CustomerRow | undefined> {
    const [row] = await this.db.rpc<CustomerRow>('restore_customer', { ...this.scope, p_customer_id: id });
    return row;
  }

  /** Whether it erased: false when the customer is missing, foreign or already erased. */
  async erase(id: string): Promise<boolean> {
    const [row] = await this.db.rpc<{ erased: boolean }>('erase_customer', {
      ...this.scope,
      p_customer_id: id,
      p_merchant_id: this.tenant.merchantId,
    });
    return row?.erased === true;
  }

  /** Counts, last transaction time and exact per-currency sums of many customers, in one call. */
  async totalsOf(customerIds: readonly string[]): Promise<CustomerTotalsRow[]> {
    return this.db.rpc<CustomerTotalsRow>('fetch_customer_totals', { ...this.scope, p_customer_ids: [...customerIds] });
  }

  /** Settled transactions of many customers, newest first, at most `limitPerCustomer` each. */
  async transactionsOf(customerIds: readonly string[], limitPerCustomer: number | null): Promise<TransactionRow[]> {
    return this.db.rpc<TransactionRow>('fetch_transactions_for_customers', {
      ...this.scope,
      p_customer_ids: [...customerIds],
      p_limit_per_customer: limitPerCustomer,
    });
  }

  /**
   * A keyset page of customers: at most `limit` rows in the sort's order (`ascending` as
   * scanned), after the position [sort value, id] when given.
   */
  async connection(
    filter: CustomerFilter,
    sortKey: CustomerSortKey,
    ascending: boolean,
    limit: number,
    after: readonly string[] | null,
  ): Promise<CustomerConnectionRow[]> {
    return this.db.rpc<CustomerConnectionRow>('fetch_customers_connection', {
      ...this.scope,
      p_search_term: filter.search,
      p_customer_type: filter.type,
      p_activity_status: filter.status,
      p_sort_key: sortKey,
      p_ascending: ascending,
      p_limit: limit,
      ...(after ? { p_after_value: after[0], p_after_id: after[1] } : {}),
    });
  }

  /** A keyset page of each customer's settled transactions, in one call for many customers. */
  async transactionsConnection(
    customerIds: readonly string[],
    ascending: boolean,
    limit: number,
    after: readonly string[] | null,
  ): Promise<TransactionConnectionRow[]> {
    return this.db.rpc<TransactionConnectionRow>('fetch_transactions_connection', {
      ...this.scope,
      p_customer_ids: [...customerIds],
      p_ascending: ascending,
      p_limit: limit,
      ...(after ? { p_after_created_at: after[0], p_after_id: after[1] } : {}),
    });
  }

  /**
   * At most `limit` changes after the feed position [xid, position, skip-deleted-before]
   * (from the beginning without one).
   */
  async changes(limit: number, after: readonly string[] | null): Promise<CustomerChangeRow[]> {
    return this.db.rpc<CustomerChangeRow>('fetch_customer_changes', {
      ...this.scope,
      p_limit: limit,
      ...(after ? { p_after_xid: after[0], p_after_position: after[1], p_skip_deleted_before: after[2] } : {}),
    });
  }
}

import type { Tenant } from '../auth/tenant';
import type { Database } from '../db/database';
import { DatabaseError } from '../db/errors';
import { BadUserInputError, customerNotFound, NotFoundError, versionMismatch } from '../errors';
import { LIMITS } from '../validation/rules';
import type { PagingArgs } from '../paging/connection';
import { CURSOR_MISMATCH, pageRequest } from '../paging/connection';
import type { CursorCodec } from '../paging/cursor';
import { CustomerConnectionPage, customersCursorBinding, TransactionConnectionPage } from './customer-connection';
import { CustomerListing } from './customer-listing';
import type { DeleteCustomerPayload } from './customer-page.type';
import type { CustomersArgs, CustomersConnectionArgs } from './customer.args';
import { CONNECTION_LIMITS } from './customer.args';
import { CustomerLoaders } from './customer.loaders';
import type { CustomerRow } from './customer.mapper';
import { toCustomer, toTransaction } from './customer.mapper';
import type { CustomerChangeFeed } from './connection.types';
import type { CustomerPatch, NewCustomer } from './customer.repository';
import { CustomerRepository } from './customer.repository';
import type { Customer } from './customer.type';
import type { Money } from './money.type';
import { ActivityStatus, CustomerSortKey, CustomerType } from './enums';
import type { Transaction } from './transaction.type';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a client's value can be a customer id: a UUID (surrounding spaces allowed). */
export function isCustomerId(id: string): boolean {
  return UUID.test(id.trim());
}

/** Customer ids are UUIDs; anything else is the client's mistake, not a database error. */
function customerId(id: string): string {
  const trimmed = id.trim();
  if (!isCustomerId(trimmed)) throw BadUserInputError.field('id', 'id must be a UUID');
  return trimmed.toLowerCase();
}

/** 1-255 printable ASCII characters (space to tilde), as the SQL function checks too. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

function idempotencyKey(key: string | null): string | null {
  if (key === null) return null;
  if (!IDEMPOTENCY_KEY.test(key)) throw BadUserInputError.field('idempotencyKey', 'idempotencyKey must be 1-255 printable ASCII characters');
  return key;
}

function expectedVersion(version: number | null): number | null {
  if (version === null) return null;
  if (!Number.isInteger(version) || version < 1 || version > 2_147_483_647) {
    throw BadUserInputError.field('expectedVersion', 'expectedVersion must be a version number, from 1');
  }
  return version;
}

/** The third term of a feed cursor that has not moved yet: the next read starts from the beginning. */
const FROM_START = 'start';

/** A customer's totals, as the GraphQL fields give them. */
export interface CustomerTotals {
  amountSpent: Money[];
  transactionCount: number;
  lastTransactionAt: Date | null;
}

/** The default number of a customer's transactions a page shows. */
export const DEFAULT_TRANSACTIONS = 20;

/**
 * What a caller can do with its customers: the one set of operations the GraphQL resolvers
 * and the REST routes both call. Inputs arrive validated by their class-validator rules (by
 * TypeGraphQL's validateFn or the REST parsers); ids are checked here. Bound to one tenant
 * through its repository; its loaders batch the lookups of one request.
 */
export class CustomerService {
  private readonly loaders: CustomerLoaders;

  constructor(
    private readonly repository: CustomerRepository,
    private readonly cursors: CursorCodec,
  ) {
    this.loaders = new CustomerLoaders(repository);
  }

  static forTenant(db: Database, tenant: Tenant, cursors: CursorCodec): CustomerService {
    return new CustomerService(new CustomerRepository(db, tenant), cursors);
  }

  /** What every cursor of this caller is bound to, besides the query's own terms. */
  private binding(kind: string, ...terms: string[]): string[] {
    const { organizationId, environment } = this.repository.tenant;
    return [kind, organizationId, environment, ...terms];
  }

  /** One page, read lazily: rows and total only when asked for. */
  list(args: CustomersArgs): CustomerListing {
    const search = args.search?.trim() ? args.search.trim() : null;
    return new CustomerListing(
      this.repository,
      { search, type: args.type ?? CustomerType.ALL, status: args.status ?? ActivityStatus.ALL },
      args.page ?? 1,
      args.pageSize ?? 50,
    );
  }

  /**
   * A page of the customer connection, read lazily. Its cursors are bound to the caller, the
   * sort (key and reverse) and the normalised filters (search trimmed, blank = none).
   */
  connection(args: CustomersConnectionArgs): CustomerConnectionPage {
    const search = args.search?.trim() ? args.search.trim() : null;
    const filter = { search, type: args.type ?? CustomerType.ALL, status: args.status ?? ActivityStatus.ALL };
    const sortKey = args.sortKey ?? CustomerSortKey.CREATED_AT;
    const reverse = args.reverse ?? false;
    const binding = customersCursorBinding(this.repository.tenant, sortKey, reverse, filter);
    const request = pageRequest(args, CONNECTION_LIMITS.customers, this.cursors, binding, 2);
    // NAME is A to Z; the time keys are newest first
    const ascending = (sortKey === CustomerSortKey.NAME) !== reverse;
    return new CustomerConnectionPage(this.repository, this.cursors, binding, filter, sortKey, ascending, request);
  }

  /** A page of a customer's settled transactions, newest first; cursors are bound to the customer. */
  transactionConnection(customer: string, args: PagingArgs): TransactionConnectionPage {
    const binding = this.binding('transactions', customer);
    const request = pageRequest(args, CONNECTION_LIMITS.transactions, this.cursors, binding, 2);
    return new TransactionConnectionPage(this.loaders, this.cursors, binding, customer, request);
  }

  /**
   * The changes after `since` (null: from the beginning, deleted customers left out), oldest
   * first, at most `first` (1-1000, default 100): one database call.
   */
  async changes(since: string | null, first: number | null): Promise<CustomerChangeFeed> {
    const { max, default: fallback } = CONNECTION_LIMITS.changes;
    const limit = first ?? fallback;
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw BadUserInputError.field('first', `first must be between 1 and ${max}`);
    const binding = this.binding('changes');
    let after: string[] | null = null;
    if (since !== null) {
      after = this.cursors.decode(binding, since, 3) ?? null;
      if (after === null) throw BadUserInputError.field('since', CURSOR_MISMATCH);
    }
    // A cursor given out before the client received any change still means "from the beginning".
    const fromStart = after === null || after[2] === FROM_START;
    const rows = await this.repository.changes(limit + 1, fromStart ? null : after);
    const kept = rows.slice(0, limit);
    const last = kept[kept.length - 1];
    // The position moves to the page's last change; an empty page leaves it where it was. The
    // third term keeps a walk from the beginning from ever showing customers deleted before it
    // started (they never were in the client's copy).
    const position = last
      ? [last.change_xid, last.change_position, last.skip_deleted_before]
      : fromStart
        ? ['0', '0', FROM_START]
        : (after ?? []);
    return {
      changes: kept.map((row) => ({
        id: row.customer_id,
        customer: row.deleted ? null : toCustomer(row as CustomerRow),
        deleted: row.deleted,
        changedAt: row.changed_at,
      })),
      cursor: this.cursors.encode(binding, position),
      hasMore: rows.length > limit,
    };
  }

  async get(id: string): Promise<Customer> {
    const row = await this.loaders.customerById.load(customerId(id));
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  /**
   * Creates a customer; with an idempotency key, a retry of the same input within 24 hours
   * returns the first call's customer as it is now (NOT_FOUND once deleted or erased).
   */
  async create(input: NewCustomer, key: string | null = null): Promise<Customer> {
    const row = await this.repository.create(input, idempotencyKey(key));
    if (!row) throw new NotFoundError('The customer this idempotency key created has since been deleted or erased');
    return toCustomer(row);
  }

  async update(id: string, patch: CustomerPatch, version: number | null = null): Promise<Customer> {
    const normalized = customerId(id);
    const expected = expectedVersion(version);
    const row = await this.atVersion(normalized, expected, () => this.repository.update(normalized, patch, expected));
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  async delete(id: string, version: number | null = null): Promise<DeleteCustomerPayload> {
    const normalized = customerId(id);
    const expected = expectedVersion(version);
    if (!(await this.atVersion(normalized, expected, () => this.repository.delete(normalized, expected)))) throw customerNotFound(id);
    return { id: normalized, message: 'Customer deleted successfully' };
  }

  /** A soft-deleted customer back (one that is not deleted, as it is); NOT_FOUND when erased, missing or foreign. */
  async restore(id: string): Promise<Customer> {
    const row = await this.repository.restore(customerId(id));
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  /** Removes the customer's personal data for good and deletes it; NOT_FOUND the second time. */
  async erase(id: string): Promise<DeleteCustomerPayload> {
    const normalized = customerId(id);
    if (!(await this.repository.erase(normalized))) throw customerNotFound(id);
    return { id: normalized, message: `Customer ${normalized} erased` };
  }

  /**
   * Runs a write whose SQL refuses a stale expected version (writing nothing). The refusal is
   * answered with the customer's current version, read after it.
   */
  private async atVersion<T>(id: string, expected: number | null, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (expected === null || !(error instanceof DatabaseError) || error.kind !== 'version_mismatch') throw error;
      const [current] = await this.repository.findByIds([id]);
      if (!current) throw customerNotFound(id);
      throw versionMismatch(id, expected, current.version);
    }
  }

  /** Totals of a customer of the page; the page's customers share one batched call. */
  async totals(customer: string): Promise<CustomerTotals> {
    const row = await this.loaders.totals.load(customer);
    return {
      amountSpent: row.amount_spent.map((spent) => ({ amount: spent.amount, currencyCode: spent.currency_code })),
      transactionCount: row.transaction_count,
      lastTransactionAt: row.last_transaction_at,
    };
  }

  /** The newest `first` settled transactions of a customer; customers of a page share a batch. */
  async transactions(customer: string, first: number | null): Promise<Transaction[]> {
    const limit = first ?? DEFAULT_TRANSACTIONS;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxTransactions) {
      throw BadUserInputError.field('first', `first must be between 1 and ${LIMITS.maxTransactions}`);
    }
    return (await this.loaders.transactions(limit).load(customer)).map(toTransaction);
  }

  /**
   * Every settled transaction of one customer (REST's `/customers/:id/transactions`, which
   * promises all of them): NOT_FOUND unless the customer is the caller's.
   */
  async allTransactions(id: string): Promise<Transaction[]> {
    const customer = await this.get(id);
    return (await this.repository.transactionsOf([customer.id], null)).map(toTransaction);
  }
}

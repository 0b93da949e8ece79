import type { CustomerChangeFeed } from '../customers/connection.types';
import type { CustomerListing } from '../customers/customer-listing';
import type { Customer } from '../customers/customer.type';
import type { Transaction } from '../customers/transaction.type';
import type { FieldKind } from './fields';
import { CUSTOMER_FIELDS } from './fields';
import { DecimalNumber } from './json';

/** Customers, pages and transactions as the original API's JSON. */

function isoDate(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function wire(value: unknown, kind: FieldKind): unknown {
  return kind === 'dateTime' ? isoDate(value as Date | string) : value;
}

export function restCustomer(customer: Customer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of CUSTOMER_FIELDS) out[field.rest] = wire(customer[field.graphql], field.kind);
  return out;
}

export async function restCustomerPage(listing: CustomerListing): Promise<Record<string, unknown>> {
  const [customers, totalCount, totalPages] = await Promise.all([listing.customers(), listing.totalCount(), listing.totalPages()]);
  return {
    customers: customers.map(restCustomer),
    pagination: { page: listing.page, pageSize: listing.pageSize, totalCount, totalPages },
  };
}

/** A page of the change feed: the same changes, cursor and hasMore as GraphQL's customerChanges. */
export function restChangeFeed(feed: CustomerChangeFeed): Record<string, unknown> {
  return {
    changes: feed.changes.map((change) => ({
      id: change.id,
      deleted: change.deleted,
      changedAt: isoDate(change.changedAt),
      customer: change.customer ? restCustomer(change.customer) : null,
    })),
    cursor: feed.cursor,
    hasMore: feed.hasMore,
  };
}

export function restTransaction(tx: Transaction): Record<string, unknown> {
  return {
    transaction_id: tx.id,
    description: tx.description,
    // The seed promises a JSON number: the stored numeric's own text, written unquoted (json.ts)
    gross_amount: new DecimalNumber(tx.amount.amount),
    currency_code: tx.currencyCode,
    created_at: isoDate(tx.createdAt),
    // enum values are the database's (lower case), as the original API's
    status: tx.status,
  };
}

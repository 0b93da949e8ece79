import type { TransactionRow } from '../customers/customer.mapper';
import { toTransaction } from '../customers/customer.mapper';
import type { FieldKind } from './fields';
import { CUSTOMER_FIELDS } from './fields';

/**
 * GraphQL results to the original API's JSON. The results come from our own fixed operations,
 * so a mismatch is a bug of ours: it throws, and the router answers a masked 500.
 */
export function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`REST: ${what} is not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`REST: ${what} is not a list`);
  return value;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`REST: ${what} is not an integer`);
  return value;
}

function checked(value: unknown, kind: FieldKind, what: string): unknown {
  const ok = (() => {
    switch (kind) {
      case 'uuid':
      case 'string':
      case 'dateTime':
        return typeof value === 'string';
      case 'nullableString':
        return value === null || typeof value === 'string';
      case 'boolean':
        return typeof value === 'boolean';
      case 'metadata':
        return value === null || (typeof value === 'object' && !Array.isArray(value));
      case 'environment':
        return value === 'LIVE' || value === 'TEST';
      default: {
        const never: never = kind;
        return never;
      }
    }
  })();
  if (!ok) throw new Error(`REST: ${what} has the wrong type`);
  // GraphQL enum names are upper case; the original API's values are the database's.
  return kind === 'environment' ? String(value).toLowerCase() : value;
}

export function restCustomer(value: unknown): Record<string, unknown> {
  const customer = record(value, 'customer');
  const out: Record<string, unknown> = {};
  for (const field of CUSTOMER_FIELDS) out[field.rest] = checked(customer[field.graphql], field.kind, field.rest);
  return out;
}

export function restCustomerPage(value: unknown): Record<string, unknown> {
  const page = record(value, 'customers');
  const pagination = record(page.pagination, 'pagination');
  return {
    customers: list(page.customers, 'customers').map(restCustomer),
    pagination: {
      page: integer(pagination.page, 'page'),
      pageSize: integer(pagination.pageSize, 'pageSize'),
      totalCount: integer(pagination.totalCount, 'totalCount'),
      totalPages: integer(pagination.totalPages, 'totalPages'),
    },
  };
}

function isoDate(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A repository row as the seed's transaction, through the same mapper the GraphQL type uses. */
export function restTransaction(row: TransactionRow): Record<string, unknown> {
  const tx = toTransaction(row);
  return {
    transaction_id: tx.id,
    description: tx.description,
    // numeric(15,2) may come back as text from some drivers; the seed promises a JSON number
    gross_amount: Number(tx.grossAmount),
    currency_code: tx.currencyCode,
    created_at: isoDate(tx.createdAt),
    status: String(tx.status).toLowerCase(),
  };
}

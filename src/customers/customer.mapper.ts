import type { CustomerRow } from './customer.fields';
import { CUSTOMER_SHAPE } from './customer.fields';
import type { Customer } from './customer.type';
import type { TransactionStatus } from './enums';
import type { Transaction } from './transaction.type';

export type { CustomerRow } from './customer.fields';
export { PATCH_COLUMNS } from './customer.fields';

/** A row of the SQL functions' public_transaction shape. */
export interface TransactionRow {
  transaction_id: string;
  customer_id: string;
  description: string | null;
  /** Exact decimal text (the functions send numeric as text): never a float. */
  gross_amount: string;
  currency_code: string;
  status: 'completed' | 'refunded';
  created_at: Date;
}

/** A row of fetch_customers_connection: the customer, its sort value as text, and has_before. */
export interface CustomerConnectionRow extends CustomerRow {
  /** The sort key's value at full precision (timestamps as ...HH:MI:SS.ffffffZ, names lower-cased). */
  sort_value: string;
  has_before: boolean;
}

/** A row of fetch_transactions_connection. */
export interface TransactionConnectionRow extends TransactionRow {
  /** created_at at full precision (microseconds), as text. */
  sort_value: string;
  has_before: boolean;
}

/** A row of fetch_customer_changes: the customer's columns are null when it is deleted or erased. */
export type CustomerChangeRow = { customer_id: string } & ({ [K in Exclude<keyof CustomerRow, 'customer_id'>]: CustomerRow[K] } | { [K in Exclude<keyof CustomerRow, 'customer_id'>]: null }) & {
  deleted: boolean;
  changed_at: Date;
  /** The change's place in the feed: transaction id and sequence number, as text. */
  change_xid: string;
  change_position: string;
  /** Deleted customers changed before this transaction id are left out (see fetch_customer_changes). */
  skip_deleted_before: string;
};

/** A row of fetch_customer_totals. */
export interface CustomerTotalsRow {
  customer_id: string;
  transaction_count: number;
  last_transaction_at: Date | null;
  /** Per currency, sorted by code; amounts are exact decimal text. */
  amount_spent: { currency_code: string; amount: string }[];
}

/** A row as the GraphQL type: each column under its field's name (customer.fields.ts). */
export function toCustomer(row: CustomerRow): Customer {
  const customer: Record<string, unknown> = {};
  for (const { field, column } of CUSTOMER_SHAPE) customer[field] = row[column];
  // environment: the row's 'live' or 'test' are the Environment enum's values
  return customer as unknown as Customer;
}

export function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.transaction_id,
    description: row.description,
    // the deprecated float field; the exact text is `amount`
    grossAmount: Number(row.gross_amount),
    amount: { amount: row.gross_amount, currencyCode: row.currency_code },
    currencyCode: row.currency_code,
    status: row.status as TransactionStatus,
    createdAt: row.created_at,
  };
}

import type { EnvironmentName } from '../auth/api-keys';
import type { Customer } from './customer.type';
import type { Environment, TransactionStatus } from './enums';
import type { Transaction } from './transaction.type';

/** A row of the SQL functions' public_customer shape. */
export interface CustomerRow {
  customer_id: string;
  organization_id: string;
  name: string;
  email: string | null;
  phone_number: string | null;
  whatsapp_number: string | null;
  country: string | null;
  city: string | null;
  address: string | null;
  postal_code: string | null;
  is_business: boolean;
  metadata: Record<string, unknown> | null;
  environment: EnvironmentName;
  created_at: Date;
  updated_at: Date;
  version: number;
}

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

/** A row of fetch_customer_totals. */
export interface CustomerTotalsRow {
  customer_id: string;
  transaction_count: number;
  last_transaction_at: Date | null;
  /** Per currency, sorted by code; amounts are exact decimal text. */
  amount_spent: { currency_code: string; amount: string }[];
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.customer_id,
    organizationId: row.organization_id,
    name: row.name,
    email: row.email,
    phoneNumber: row.phone_number,
    whatsappNumber: row.whatsapp_number,
    country: row.country,
    city: row.city,
    address: row.address,
    postalCode: row.postal_code,
    isBusiness: row.is_business,
    metadata: row.metadata,
    environment: row.environment as Environment,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
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

/** GraphQL input field names and the database's, for patches. */
export const PATCH_COLUMNS = {
  name: 'name',
  email: 'email',
  phoneNumber: 'phone_number',
  whatsappNumber: 'whatsapp_number',
  country: 'country',
  city: 'city',
  address: 'address',
  postalCode: 'postal_code',
  isBusiness: 'is_business',
  metadata: 'metadata',
} as const;

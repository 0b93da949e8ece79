import DataLoader from 'dataloader';
import type { CustomerRow, CustomerTotalsRow, TransactionConnectionRow, TransactionRow } from './customer.mapper';
import type { CustomerRepository } from './customer.repository';

/** The most keys one batch sends to the database. */
const MAX_BATCH = 500;

/** Groups rows by a key, in the order of `keys`; missing keys get what `empty` makes. */
function alignTo<K, R, V>(keys: readonly K[], rows: R[], keyOf: (row: R) => K, collect: (rows: R[] | undefined) => V): V[] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => collect(groups.get(key)));
}

/**
 * Per-request loaders: a request's resolvers share one batch per kind of lookup, so a page of
 * 50 customers with their transactions costs one transactions call, not 50. Never shared
 * between requests (each request has its own tenant and must see fresh data).
 */
export class CustomerLoaders {
  readonly customerById: DataLoader<string, CustomerRow | null>;
  /** Totals (amountSpent, transactionCount, lastTransactionAt, hasTransactions): one call per page. */
  readonly totals: DataLoader<string, CustomerTotalsRow>;
  private readonly transactionsByLimit = new Map<number, DataLoader<string, TransactionRow[]>>();
  private readonly transactionPagesBy = new Map<string, DataLoader<string, TransactionConnectionRow[]>>();

  constructor(private readonly repository: CustomerRepository) {
    this.customerById = new DataLoader(
      async (ids) => alignTo(ids, await repository.findByIds(ids), (row) => row.customer_id, (rows) => rows?.[0] ?? null),
      { maxBatchSize: MAX_BATCH },
    );
    this.totals = new DataLoader(
      async (ids) =>
        alignTo(ids, await repository.totalsOf(ids), (row) => row.customer_id, (rows) => rows?.[0] ?? null).map(
          (row, i) => row ?? { customer_id: ids[i], transaction_count: 0, last_transaction_at: null, amount_spent: [] },
        ),
      { maxBatchSize: MAX_BATCH },
    );
  }

  /** Transactions of a customer, at most `first`; customers asking for the same `first` share a batch. */
  transactions(first: number): DataLoader<string, TransactionRow[]> {
    let loader = this.transactionsByLimit.get(first);
    if (!loader) {
      loader = new DataLoader(
        async (ids) => alignTo(ids, await this.repository.transactionsOf(ids, first), (row) => row.customer_id, (rows) => rows ?? []),
        { maxBatchSize: MAX_BATCH },
      );
      this.transactionsByLimit.set(first, loader);
    }
    return loader;
  }

  /**
   * A page of a customer's transactions (scan direction, rows to read, position after which
   * to start); customers asking for the same page share one call (fetch_transactions_connection).
   */
  transactionPages(ascending: boolean, limit: number, after: readonly string[] | null): DataLoader<string, TransactionConnectionRow[]> {
    const key = JSON.stringify([ascending, limit, after]);
    let loader = this.transactionPagesBy.get(key);
    if (!loader) {
      loader = new DataLoader(
        async (ids) =>
          alignTo(ids, await this.repository.transactionsConnection(ids, ascending, limit, after), (row) => row.customer_id, (rows) => rows ?? []),
        { maxBatchSize: MAX_BATCH },
      );
      this.transactionPagesBy.set(key, loader);
    }
    return loader;
  }
}

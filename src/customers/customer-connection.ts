import type { CursorCodec } from '../paging/cursor';
import type { Page, PageRequest } from '../paging/connection';
import { toPage } from '../paging/connection';
import type { CustomerLoaders } from './customer.loaders';
import { toCustomer, toTransaction } from './customer.mapper';
import type { CustomerFilter, CustomerRepository } from './customer.repository';
import type { Customer } from './customer.type';
import type { CustomerSortKey } from './enums';
import type { Transaction } from './transaction.type';

/**
 * What a customer connection's cursors are bound to: the caller (organization and
 * environment), the sort (key and reverse) and the normalised filters (search trimmed, blank
 * = none). A cursor opens only under the same binding.
 */
export function customersCursorBinding(
  tenant: { readonly organizationId: string; readonly environment: string },
  sortKey: CustomerSortKey,
  reverse: boolean,
  filter: CustomerFilter,
): string[] {
  return ['customers', tenant.organizationId, tenant.environment, sortKey, reverse ? 'reverse' : 'natural', filter.search ?? '', filter.type, filter.status];
}

/**
 * One page of the customer connection, read lazily: the page (one keyset read) only when
 * edges, nodes or pageInfo is selected, the count only when totalCount is, each at most once.
 * The arguments and the cursor were checked when it was made, so a refused cursor never
 * reads anything.
 */
export class CustomerConnectionPage {
  private page?: Promise<Page<Customer>>;
  private total?: Promise<number>;

  constructor(
    private readonly repository: CustomerRepository,
    private readonly codec: CursorCodec,
    private readonly binding: readonly string[],
    private readonly filter: CustomerFilter,
    private readonly sortKey: CustomerSortKey,
    /** The order the client asked for (the key's natural order, flipped by reverse). */
    private readonly ascending: boolean,
    private readonly request: PageRequest,
  ) {}

  read(): Promise<Page<Customer>> {
    this.page ??= (async () => {
      const { forward, size, after } = this.request;
      // a backward page is read from its end: the other way round, then turned around
      const rows = await this.repository.connection(this.filter, this.sortKey, forward === this.ascending, size + 1, after);
      return toPage(
        this.request,
        rows,
        rows[0]?.has_before ?? false,
        (row) => this.codec.encode(this.binding, [row.sort_value, row.customer_id]),
        toCustomer,
      );
    })();
    return this.page;
  }

  totalCount(): Promise<number> {
    this.total ??= this.repository.count(this.filter);
    return this.total;
  }
}

/**
 * One page of a customer's transactions: the customers of a page that ask for the same page
 * share one database call (CustomerLoaders.transactionPages), and the count comes from the
 * customers' totals (also one call per page of customers).
 */
export class TransactionConnectionPage {
  private page?: Promise<Page<Transaction>>;

  constructor(
    private readonly loaders: CustomerLoaders,
    private readonly codec: CursorCodec,
    private readonly binding: readonly string[],
    private readonly customerId: string,
    private readonly request: PageRequest,
  ) {}

  read(): Promise<Page<Transaction>> {
    this.page ??= (async () => {
      const { forward, size, after } = this.request;
      // newest first is descending: forward pages scan descending, backward ones ascending
      const rows = await this.loaders.transactionPages(!forward, size + 1, after).load(this.customerId);
      return toPage(
        this.request,
        rows,
        rows[0]?.has_before ?? false,
        (row) => this.codec.encode(this.binding, [row.sort_value, row.transaction_id]),
        toTransaction,
      );
    })();
    return this.page;
  }

  async totalCount(): Promise<number> {
    return (await this.loaders.totals.load(this.customerId)).transaction_count;
  }
}

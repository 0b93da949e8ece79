import type { Customer } from './customer.type';
import { toCustomer } from './customer.mapper';
import type { CustomerFilter, CustomerRepository } from './customer.repository';

/**
 * One page of the list, resolved lazily: the rows are read only when `customers` is selected
 * and the total only when `totalCount` or `totalPages` is, each at most once, so a
 * field-selective client pays for what it asks and no more.
 */
export class CustomerListing {
  private rows?: Promise<Customer[]>;
  private total?: Promise<number>;

  constructor(
    private readonly repository: CustomerRepository,
    private readonly filter: CustomerFilter,
    readonly page: number,
    readonly pageSize: number,
  ) {}

  customers(): Promise<Customer[]> {
    this.rows ??= this.repository
      .list(this.filter, (this.page - 1) * this.pageSize, this.pageSize)
      .then((rows) => rows.map(toCustomer));
    return this.rows;
  }

  totalCount(): Promise<number> {
    this.total ??= this.repository.count(this.filter);
    return this.total;
  }

  async totalPages(): Promise<number> {
    return Math.ceil((await this.totalCount()) / this.pageSize);
  }
}

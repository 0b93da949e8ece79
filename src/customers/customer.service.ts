import type { Tenant } from '../auth/tenant';
import type { Database } from '../db/database';
import { BadUserInputError, customerNotFound } from '../errors';
import { LIMITS } from '../validation/rules';
import { CustomerListing } from './customer-listing';
import type { DeleteCustomerPayload } from './customer-page.type';
import type { CustomersArgs } from './customer.args';
import { CustomerLoaders } from './customer.loaders';
import { toCustomer, toTransaction } from './customer.mapper';
import type { CustomerPatch, NewCustomer } from './customer.repository';
import { CustomerRepository } from './customer.repository';
import type { Customer } from './customer.type';
import { ActivityStatus, CustomerType } from './enums';
import type { Transaction } from './transaction.type';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Customer ids are UUIDs; anything else is the client's mistake, not a database error. */
function customerId(id: string): string {
  const trimmed = id.trim();
  if (!UUID.test(trimmed)) throw BadUserInputError.field('id', 'id must be a UUID');
  return trimmed.toLowerCase();
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

  constructor(private readonly repository: CustomerRepository) {
    this.loaders = new CustomerLoaders(repository);
  }

  static forTenant(db: Database, tenant: Tenant): CustomerService {
    return new CustomerService(new CustomerRepository(db, tenant));
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

  async get(id: string): Promise<Customer> {
    const row = await this.loaders.customerById.load(customerId(id));
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  async create(input: NewCustomer): Promise<Customer> {
    return toCustomer(await this.repository.create(input));
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer> {
    const row = await this.repository.update(customerId(id), patch);
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  async delete(id: string): Promise<DeleteCustomerPayload> {
    const normalized = customerId(id);
    if (!(await this.repository.delete(normalized))) throw customerNotFound(id);
    return { id: normalized, message: 'Customer deleted successfully' };
  }

  /** The newest `first` settled transactions of a customer; customers of a page share a batch. */
  async transactions(customer: string, first: number | null): Promise<Transaction[]> {
    const limit = first ?? DEFAULT_TRANSACTIONS;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxTransactions) {
      throw BadUserInputError.field('first', `first must be between 1 and ${LIMITS.maxTransactions}`);
    }
    return (await this.loaders.transactions(limit).load(customer)).map(toTransaction);
  }

  /** Whether the customer is ACTIVE: its newest settled transaction is enough to answer. */
  async hasTransactions(customer: string): Promise<boolean> {
    return (await this.loaders.transactions(1).load(customer)).length > 0;
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

import { Arg, Args, Ctx, FieldResolver, GraphQLISODateTime, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { LIMITS } from '../validation/rules';
import type { CustomerListing } from './customer-listing';
import { DEFAULT_TRANSACTIONS } from './customer.service';
import type { CustomerConnectionPage, TransactionConnectionPage } from './customer-connection';
import { CONNECTION_LIMITS, CustomersArgs, CustomersConnectionArgs } from './customer.args';
import { CustomerChangeFeed, CustomerConnection, TransactionConnection } from './connection.types';
import { CreateCustomerInput, UpdateCustomerInput } from './customer.input';
import { Customer } from './customer.type';
import { Money } from './money.type';
import { CustomerPage, DeleteCustomerPayload } from './customer-page.type';
import { Transaction } from './transaction.type';

const EXPECTED_VERSION =
  'When given and the customer\'s version differs, nothing changes and the error is CONFLICT (extensions.reason VERSION_MISMATCH, extensions.currentVersion).';

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => CustomerPage, {
    description: 'Customers of the caller\'s organization and environment, newest first.',
  })
  customers(@Args(() => CustomersArgs) args: CustomersArgs, @Ctx() ctx: GraphQLContext): CustomerListing {
    return ctx.customers().list(args);
  }

  @Query(() => CustomerConnection, {
    description:
      'Customers by cursor. first/last 1-200 (first: 50 when neither is given; both at once is BAD_USER_INPUT). Filters as in customers. Any depth costs what the first page costs. Walking every page forward while others write never repeats a customer that did not change during the walk, and never skips one that existed, unchanged, for the whole walk.',
  })
  customersConnection(@Args(() => CustomersConnectionArgs) args: CustomersConnectionArgs, @Ctx() ctx: GraphQLContext): CustomerConnectionPage {
    return ctx.customers().connection(args);
  }

  @Query(() => CustomerChangeFeed, {
    description:
      'The changes to the caller\'s customers after since (null: from the beginning, deleted ones left out), oldest change first, at most first (1-1000) per page. Keep calling with since: cursor until hasMore is false; do it again whenever you like to catch up.',
  })
  async customerChanges(
    @Arg('since', () => String, { nullable: true, description: 'The cursor of the previous page (or of the last sync); null to start from the beginning.' })
    since: string | null | undefined,
    @Arg('first', () => Int, {
      nullable: true,
      defaultValue: CONNECTION_LIMITS.changes.default,
      description: `How many changes at most, 1-${CONNECTION_LIMITS.changes.max}.`,
    })
    first: number | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CustomerChangeFeed> {
    return ctx.customers().changes(since ?? null, first ?? null);
  }

  @Query(() => Customer, {
    nullable: true,
    description: 'One customer of the caller\'s organization and environment. Any other id gives null and a NOT_FOUND error.',
  })
  async customer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return ctx.customers().get(id);
  }

  @FieldResolver(() => [Transaction], {
    description: 'Completed and refunded transactions of this customer, newest first.',
  })
  async transactions(
    @Root() customer: Customer,
    @Arg('first', () => Int, {
      nullable: true,
      defaultValue: DEFAULT_TRANSACTIONS,
      description: `How many of the newest transactions to return, 1-${LIMITS.maxTransactions}.`,
    })
    first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Transaction[]> {
    return ctx.customers().transactions(customer.id, first);
  }

  @FieldResolver(() => TransactionConnection, {
    description:
      'Completed and refunded transactions, newest first, by cursor: every one reachable, none skipped or repeated. first/last 1-100 (first: 20 when neither is given).',
  })
  transactionsConnection(
    @Root() customer: Customer,
    @Arg('first', () => Int, { nullable: true, description: `How many transactions from the newest (or after \`after\`), 1-${CONNECTION_LIMITS.transactions.max}.` })
    first: number | null | undefined,
    @Arg('after', () => String, { nullable: true, description: 'A cursor of this customer\'s transactions: the page starts after it.' })
    after: string | null | undefined,
    @Arg('last', () => Int, { nullable: true, description: `How many transactions from the oldest (or before \`before\`), 1-${CONNECTION_LIMITS.transactions.max}. Not with first.` })
    last: number | null | undefined,
    @Arg('before', () => String, { nullable: true, description: 'A cursor of this customer\'s transactions: the page ends before it.' })
    before: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): TransactionConnectionPage {
    return ctx.customers().transactionConnection(customer.id, { first, after, last, before });
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the customer has at least one completed or refunded transaction: what the ACTIVE status filter selects.',
  })
  async hasTransactions(@Root() customer: Customer, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return (await ctx.customers().totals(customer.id)).transactionCount > 0;
  }

  // amountSpent, transactionCount, lastTransactionAt and hasTransactions share one batched
  // call per page of customers (fetch_customer_totals), whichever of them a query selects.

  @FieldResolver(() => [Money], {
    description:
      'Per currency (sorted by currency code), the sum of COMPLETED transactions\' exact amounts; refunded ones are not counted. Empty when there are none.',
  })
  async amountSpent(@Root() customer: Customer, @Ctx() ctx: GraphQLContext): Promise<Money[]> {
    return (await ctx.customers().totals(customer.id)).amountSpent;
  }

  @FieldResolver(() => Int, { description: 'How many completed or refunded transactions the customer has.' })
  async transactionCount(@Root() customer: Customer, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.customers().totals(customer.id)).transactionCount;
  }

  @FieldResolver(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When the newest completed or refunded transaction was created; null when there is none.',
  })
  async lastTransactionAt(@Root() customer: Customer, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    return (await ctx.customers().totals(customer.id)).lastTransactionAt;
  }

  @Mutation(() => Customer, {
    description:
      'Creates a customer in the caller\'s organization and environment. idempotencyKey (1-255 printable ASCII characters): for 24 hours the same key with the same input (compared after the same trimming and defaults as create) returns the customer the first call created, as it is now, creating nothing; with a different input it is CONFLICT. Keys are per organization and environment, shared with REST\'s Idempotency-Key header; a call that failed does not use its key up.',
  })
  async createCustomer(
    @Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description:
        'Makes retries safe: 1-255 printable ASCII characters, e.g. a UUID the client made for this create. NOT_FOUND when the customer it created has since been deleted or erased.',
    })
    idempotencyKey: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return ctx.customers().create(input, idempotencyKey ?? null);
  }

  @Mutation(() => Customer, {
    description:
      'Changes the fields present in the input, atomically. An empty input returns the customer unchanged. expectedVersion: when given and the customer\'s version differs, nothing changes and the error is CONFLICT.',
  })
  async updateCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Arg('input', () => UpdateCustomerInput, { description: 'The fields to change.' }) input: UpdateCustomerInput,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_VERSION }) expectedVersion: number | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return ctx.customers().update(id, input, expectedVersion ?? null);
  }

  @Mutation(() => DeleteCustomerPayload, {
    description:
      'Soft-deletes a customer: it disappears from the API, its data is kept for audit (restoreCustomer brings it back). A second delete is NOT_FOUND. expectedVersion: when given and the customer\'s version differs, nothing changes and the error is CONFLICT.',
  })
  async deleteCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_VERSION }) expectedVersion: number | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeleteCustomerPayload> {
    return ctx.customers().delete(id, expectedVersion ?? null);
  }

  @Mutation(() => Customer, {
    description:
      'Brings a soft-deleted customer back as it was (version grows by one). A customer that is not deleted is returned unchanged. Erased, missing or another tenant\'s: NOT_FOUND.',
  })
  async restoreCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return ctx.customers().restore(id);
  }

  @Mutation(() => DeleteCustomerPayload, {
    description:
      'Irreversibly removes a customer\'s personal data (name becomes "Erased customer"; email, phone and WhatsApp numbers, address, city, postal code, country, metadata and internal aliases become null) and deletes it. Its transactions stay, for accounting. Works on deleted customers too; a second erase is NOT_FOUND.',
  })
  async eraseCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeleteCustomerPayload> {
    return ctx.customers().erase(id);
  }
}

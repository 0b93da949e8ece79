import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { BadUserInputError, customerNotFound } from '../errors';
import { customerPageCost, transactionsCost } from '../limits/complexity';
import { LIMITS } from '../validation/rules';
import { CustomerListing } from './customer-listing';
import { toCustomer, toTransaction } from './customer.mapper';
import { CustomersArgs } from './customer.args';
import { CreateCustomerInput, UpdateCustomerInput } from './customer.input';
import { Customer } from './customer.type';
import { CustomerPage, DeleteCustomerPayload } from './customer-page.type';
import { ActivityStatus, CustomerType } from './enums';
import { Transaction } from './transaction.type';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Customer ids are UUIDs; anything else is the client's mistake, not a database error. */
function customerId(id: string): string {
  const trimmed = id.trim();
  if (!UUID.test(trimmed)) throw BadUserInputError.field('id', 'id must be a UUID');
  return trimmed.toLowerCase();
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => CustomerPage, {
    description: 'Customers of the caller\'s organization and environment, newest first.',
    // The page's selection counts once per customer it can hold (src/limits/complexity.ts).
    complexity: customerPageCost,
  })
  customers(@Args(() => CustomersArgs) args: CustomersArgs, @Ctx() ctx: GraphQLContext): CustomerListing {
    const { repository } = ctx.customers();
    const search = args.search?.trim() ? args.search.trim() : null;
    return new CustomerListing(
      repository,
      { search, type: args.type ?? CustomerType.ALL, status: args.status ?? ActivityStatus.ALL },
      args.page ?? 1,
      args.pageSize ?? 50,
    );
  }

  @Query(() => Customer, {
    nullable: true,
    description: 'One customer of the caller\'s organization and environment. Any other id gives null and a NOT_FOUND error.',
  })
  async customer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    const row = await ctx.customers().loaders.customerById.load(customerId(id));
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  @FieldResolver(() => [Transaction], {
    description: 'Completed and refunded transactions of this customer, newest first.',
    complexity: transactionsCost,
  })
  async transactions(
    @Root() customer: Customer,
    @Arg('first', () => Int, {
      nullable: true,
      defaultValue: 20,
      description: `How many of the newest transactions to return, 1-${LIMITS.maxTransactions}.`,
    })
    first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Transaction[]> {
    const limit = first ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxTransactions) {
      throw BadUserInputError.field('first', `first must be between 1 and ${LIMITS.maxTransactions}`);
    }
    const rows = await ctx.customers().loaders.transactions(limit).load(customer.id);
    return rows.map(toTransaction);
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the customer has at least one completed or refunded transaction: what the ACTIVE status filter selects.',
  })
  async hasTransactions(@Root() customer: Customer, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    // The newest settled transaction is enough to answer; a page's customers share one batch.
    const rows = await ctx.customers().loaders.transactions(1).load(customer.id);
    return rows.length > 0;
  }

  @Mutation(() => Customer, { description: 'Creates a customer in the caller\'s organization and environment.' })
  async createCustomer(
    @Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return toCustomer(await ctx.customers().repository.create(input));
  }

  @Mutation(() => Customer, {
    description: 'Changes the fields present in the input, atomically. An empty input returns the customer unchanged.',
  })
  async updateCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Arg('input', () => UpdateCustomerInput, { description: 'The fields to change.' }) input: UpdateCustomerInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    const row = await ctx.customers().repository.update(customerId(id), input);
    if (!row) throw customerNotFound(id);
    return toCustomer(row);
  }

  @Mutation(() => DeleteCustomerPayload, {
    description: 'Soft-deletes a customer: it disappears from the API, its data is kept for audit. A second delete is NOT_FOUND.',
  })
  async deleteCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeleteCustomerPayload> {
    const normalized = customerId(id);
    if (!(await ctx.customers().repository.delete(normalized))) throw customerNotFound(id);
    return { id: normalized, message: 'Customer deleted successfully' };
  }
}

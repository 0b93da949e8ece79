import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { LIMITS } from '../validation/rules';
import type { CustomerListing } from './customer-listing';
import { DEFAULT_TRANSACTIONS } from './customer.service';
import { CustomersArgs } from './customer.args';
import { CreateCustomerInput, UpdateCustomerInput } from './customer.input';
import { Customer } from './customer.type';
import { CustomerPage, DeleteCustomerPayload } from './customer-page.type';
import { Transaction } from './transaction.type';

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => CustomerPage, {
    description: 'Customers of the caller\'s organization and environment, newest first.',
  })
  customers(@Args(() => CustomersArgs) args: CustomersArgs, @Ctx() ctx: GraphQLContext): CustomerListing {
    return ctx.customers().list(args);
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

  @FieldResolver(() => Boolean, {
    description: 'Whether the customer has at least one completed or refunded transaction: what the ACTIVE status filter selects.',
  })
  async hasTransactions(@Root() customer: Customer, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.customers().hasTransactions(customer.id);
  }

  @Mutation(() => Customer, { description: 'Creates a customer in the caller\'s organization and environment.' })
  async createCustomer(
    @Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return ctx.customers().create(input);
  }

  @Mutation(() => Customer, {
    description: 'Changes the fields present in the input, atomically. An empty input returns the customer unchanged.',
  })
  async updateCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Arg('input', () => UpdateCustomerInput, { description: 'The fields to change.' }) input: UpdateCustomerInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Customer> {
    return ctx.customers().update(id, input);
  }

  @Mutation(() => DeleteCustomerPayload, {
    description: 'Soft-deletes a customer: it disappears from the API, its data is kept for audit. A second delete is NOT_FOUND.',
  })
  async deleteCustomer(
    @Arg('id', () => ID, { description: 'The customer\'s id (a UUID).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DeleteCustomerPayload> {
    return ctx.customers().delete(id);
  }
}

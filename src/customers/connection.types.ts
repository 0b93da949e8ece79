import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { Customer } from './customer.type';
import { Transaction } from './transaction.type';

@ObjectType({ simpleResolvers: true, description: 'Relay pagination state.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether more items follow this page in the connection\'s order (ask with first and after: endCursor).' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Whether items come before this page in the connection\'s order (ask with last and before: startCursor).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the page\'s first item; null when the page is empty.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the page\'s last item; null when the page is empty.' })
  endCursor!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A customer and its place in a customer connection.' })
export class CustomerEdge {
  @Field(() => String, { description: 'Opaque: pass as after (or before) to continue after (or before) this customer.' })
  cursor!: string;

  @Field(() => Customer, { description: 'The customer.' })
  node!: Customer;
}

@ObjectType({
  description:
    'A page of customers by cursor. Cursors are opaque and tamper-evident, bound to the caller\'s organization and environment, to the filters (after normalisation: trimmed, blank = none) and to the sort (sortKey and reverse); any other use is BAD_USER_INPUT. They stay valid across restarts and instances.',
})
export class CustomerConnection {
  @Field(() => [CustomerEdge], { description: 'The page\'s customers with their cursors, in the connection\'s order.' })
  edges!: CustomerEdge[];

  @Field(() => [Customer], { description: 'The page\'s customers, in the connection\'s order (edges without the cursors).' })
  nodes!: Customer[];

  @Field(() => PageInfo, { description: 'Whether there is more, and the cursors to get it.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many customers match the filters; computed only when selected.' })
  totalCount!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A transaction and its place in a customer\'s transactions.' })
export class TransactionEdge {
  @Field(() => String, { description: 'Opaque, bound to this customer: pass as after (or before) to continue after (or before) this transaction.' })
  cursor!: string;

  @Field(() => Transaction, { description: 'The transaction.' })
  node!: Transaction;
}

@ObjectType({ description: 'A page of a customer\'s completed and refunded transactions by cursor, newest first.' })
export class TransactionConnection {
  @Field(() => [TransactionEdge], { description: 'The page\'s transactions with their cursors, newest first.' })
  edges!: TransactionEdge[];

  @Field(() => [Transaction], { description: 'The page\'s transactions, newest first (edges without the cursors).' })
  nodes!: Transaction[];

  @Field(() => PageInfo, { description: 'Whether there is more, and the cursors to get it.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many completed and refunded transactions the customer has.' })
  totalCount!: number;
}

@ObjectType({
  simpleResolvers: true,
  description: 'One customer that changed (created, updated, deleted, restored or erased) since the feed\'s cursor. New transactions are not customer changes.',
})
export class CustomerChange {
  @Field(() => ID, { description: 'The customer\'s id, whether it still exists or not.' })
  id!: string;

  @Field(() => Customer, { nullable: true, description: 'The customer as it is now; null when it is deleted or erased.' })
  customer!: Customer | null;

  @Field(() => Boolean, { description: 'True when the customer is deleted or erased: remove it from local copies.' })
  deleted!: boolean;

  @Field(() => GraphQLISODateTime, { description: 'When the change was made.' })
  changedAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'A page of the change feed. A client that keeps calling customerChanges(since: cursor) until hasMore is false holds exactly the caller\'s current customers, with their latest values, whatever writes ran concurrently; each customer appears at most once per page, in its latest state.',
})
export class CustomerChangeFeed {
  @Field(() => [CustomerChange], { description: 'The changes of this page, oldest first; at most first of them.' })
  changes!: CustomerChange[];

  @Field(() => String, { description: 'Pass as since to get the changes after these ones. Opaque; bound to the caller\'s organization and environment.' })
  cursor!: string;

  @Field(() => Boolean, { description: 'True when more changes are already waiting: ask again at once.' })
  hasMore!: boolean;
}

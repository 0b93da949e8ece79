import { FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Edge, PageInfo as PageInfoValue } from '../paging/connection';
import type { CustomerConnectionPage, TransactionConnectionPage } from './customer-connection';
import { CustomerConnection, CustomerEdge, PageInfo, TransactionConnection, TransactionEdge } from './connection.types';
import { Customer } from './customer.type';
import { Transaction } from './transaction.type';

// Field descriptions come from the @Field declarations of connection.types.ts.

@Resolver(() => CustomerConnection)
export class CustomerConnectionResolver {
  @FieldResolver(() => [CustomerEdge])
  async edges(@Root() connection: CustomerConnectionPage): Promise<Edge<Customer>[]> {
    return (await connection.read()).edges;
  }

  @FieldResolver(() => [Customer])
  async nodes(@Root() connection: CustomerConnectionPage): Promise<Customer[]> {
    return (await connection.read()).nodes;
  }

  @FieldResolver(() => PageInfo)
  async pageInfo(@Root() connection: CustomerConnectionPage): Promise<PageInfoValue> {
    return (await connection.read()).pageInfo;
  }

  @FieldResolver(() => Int)
  totalCount(@Root() connection: CustomerConnectionPage): Promise<number> {
    return connection.totalCount();
  }
}

@Resolver(() => TransactionConnection)
export class TransactionConnectionResolver {
  @FieldResolver(() => [TransactionEdge])
  async edges(@Root() connection: TransactionConnectionPage): Promise<Edge<Transaction>[]> {
    return (await connection.read()).edges;
  }

  @FieldResolver(() => [Transaction])
  async nodes(@Root() connection: TransactionConnectionPage): Promise<Transaction[]> {
    return (await connection.read()).nodes;
  }

  @FieldResolver(() => PageInfo)
  async pageInfo(@Root() connection: TransactionConnectionPage): Promise<PageInfoValue> {
    return (await connection.read()).pageInfo;
  }

  @FieldResolver(() => Int)
  totalCount(@Root() connection: TransactionConnectionPage): Promise<number> {
    return connection.totalCount();
  }
}

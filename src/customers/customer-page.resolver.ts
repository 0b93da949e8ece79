import { FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { CustomerListing } from './customer-listing';
import { CustomerPage, Pagination } from './customer-page.type';
import { Customer } from './customer.type';

@Resolver(() => CustomerPage)
export class CustomerPageResolver {
  @FieldResolver(() => [Customer])
  customers(@Root() listing: CustomerListing): Promise<Customer[]> {
    return listing.customers();
  }

  @FieldResolver(() => Pagination)
  pagination(@Root() listing: CustomerListing): CustomerListing {
    return listing;
  }
}

@Resolver(() => Pagination)
export class PaginationResolver {
  @FieldResolver(() => Int)
  page(@Root() listing: CustomerListing): number {
    return listing.page;
  }

  @FieldResolver(() => Int)
  pageSize(@Root() listing: CustomerListing): number {
    return listing.pageSize;
  }

  @FieldResolver(() => Int)
  totalCount(@Root() listing: CustomerListing): Promise<number> {
    return listing.totalCount();
  }

  @FieldResolver(() => Int)
  totalPages(@Root() listing: CustomerListing): Promise<number> {
    return listing.totalPages();
  }
}

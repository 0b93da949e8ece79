import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Customer } from './customer.type';

@ObjectType({ description: 'Where a page stands in the whole list.' })
export class Pagination {
  @Field(() => Int, { description: 'This page\'s number, from 1.' })
  page!: number;

  @Field(() => Int, { description: 'Customers per page (1-200).' })
  pageSize!: number;

  @Field(() => Int, { description: 'How many customers match the filters, on every page. Counting costs a query: select it only when needed.' })
  totalCount!: number;

  @Field(() => Int, { description: 'How many pages the matching customers fill (0 when none match).' })
  totalPages!: number;
}

@ObjectType({ description: 'One page of customers and where it stands.' })
export class CustomerPage {
  @Field(() => [Customer], { description: 'The customers of this page, newest first.' })
  customers!: unknown[];

  @Field(() => Pagination, { description: 'The page\'s position and, when selected, the totals.' })
  pagination!: Pagination;
}

@ObjectType({ simpleResolvers: true, description: 'The result of deleting or erasing a customer.' })
export class DeleteCustomerPayload {
  @Field(() => ID, { description: 'The id of the deleted or erased customer.' })
  id!: string;

  @Field(() => String, { description: 'Deleted: "Customer deleted successfully". Erased: "Customer <id> erased".' })
  message!: string;
}

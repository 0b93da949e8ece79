import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, Int } from 'type-graphql';
import { LIMITS } from '../validation/rules';
import { ActivityStatus, CustomerSortKey, CustomerType } from './enums';

/** Applies several property decorators as one. */
function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };
}

// The filters both lists take (`customers` and `customersConnection`), declared once.
const SearchFilter = (): PropertyDecorator =>
  all(
    Field(() => String, {
      nullable: true,
      description: `Case-insensitive text the name or email contains (at most ${LIMITS.search} characters; % and _ are literal). Blank means no filter.`,
    }),
    IsOptional(),
    IsString(),
    MaxLength(LIMITS.search),
  );
const TypeFilter = (): PropertyDecorator =>
  Field(() => CustomerType, { nullable: true, defaultValue: CustomerType.ALL, description: 'Businesses, individuals, or all.' });
const StatusFilter = (): PropertyDecorator =>
  Field(() => ActivityStatus, { nullable: true, defaultValue: ActivityStatus.ALL, description: 'Active, inactive, or all customers.' });

/** The list's arguments. An explicit null for any of them means its default. */
@ArgsType()
export class CustomersArgs {
  @SearchFilter()
  search?: string | null;

  @TypeFilter()
  type?: CustomerType | null;

  @StatusFilter()
  status?: ActivityStatus | null;

  @Field(() => Int, { nullable: true, defaultValue: 1, description: `Page number, from 1 (at most ${LIMITS.maxPage}).` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.maxPage)
  page?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 50, description: `Customers per page, 1-${LIMITS.maxPageSize}.` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.maxPageSize)
  pageSize?: number | null;
}

/** The bounds of connection pages: customers, a customer's transactions, and the change feed. */
export const CONNECTION_LIMITS = {
  customers: { max: LIMITS.maxPageSize, default: 50 },
  transactions: { max: LIMITS.maxTransactions, default: 20 },
  changes: { max: 1000, default: 100 },
} as const;

/** The customer connection's arguments. An explicit null for any of them means its default. */
@ArgsType()
export class CustomersConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: `How many customers from the start (or after \`after\`), 1-${CONNECTION_LIMITS.customers.max}; ${CONNECTION_LIMITS.customers.default} when neither first nor last is given.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor of this connection (an edge\'s cursor or pageInfo.endCursor): the page starts after it.' })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `How many customers from the end (or before \`before\`), 1-${CONNECTION_LIMITS.customers.max}. Not with first.`,
  })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor of this connection (an edge\'s cursor or pageInfo.startCursor): the page ends before it.' })
  before?: string | null;

  @SearchFilter()
  search?: string | null;

  @TypeFilter()
  type?: CustomerType | null;

  @StatusFilter()
  status?: ActivityStatus | null;

  @Field(() => CustomerSortKey, { nullable: true, defaultValue: CustomerSortKey.CREATED_AT, description: 'The order: newest created, most recently changed, or by name.' })
  sortKey?: CustomerSortKey | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'true flips the sort key\'s natural order (oldest first, least recently changed first, Z to A).' })
  reverse?: boolean | null;
}

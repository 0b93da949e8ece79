import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, Int } from 'type-graphql';
import { LIMITS } from '../validation/rules';
import { ActivityStatus, CustomerType } from './enums';

/** The list's arguments. An explicit null for any of them means its default. */
@ArgsType()
export class CustomersArgs {
  @Field(() => String, {
    nullable: true,
    description: `Case-insensitive text the name or email contains (at most ${LIMITS.search} characters; % and _ are literal). Blank means no filter.`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.search)
  search?: string | null;

  @Field(() => CustomerType, { nullable: true, defaultValue: CustomerType.ALL, description: 'Businesses, individuals, or all.' })
  type?: CustomerType | null;

  @Field(() => ActivityStatus, { nullable: true, defaultValue: ActivityStatus.ALL, description: 'Active, inactive, or all customers.' })
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

import { Field, Float, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { TransactionStatus } from './enums';
import { Money } from './money.type';

@ObjectType({ simpleResolvers: true, description: 'A settled (completed or refunded) payment of a customer.' })
export class Transaction {
  @Field(() => ID, { description: 'The transaction\'s id.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'What the payment was for.' })
  description!: string | null;

  @Field(() => Float, {
    description: 'The gross amount as a float (kept for compatibility; a float cannot hold every amount exactly): use amount.',
    deprecationReason: 'A float cannot hold every amount exactly: use amount, an exact Decimal with its currency.',
  })
  grossAmount!: number;

  @Field(() => Money, { description: 'The gross amount, exact.' })
  amount!: Money;

  @Field(() => String, { description: 'ISO-4217 currency code, e.g. XOF, EUR, USD.' })
  currencyCode!: string;

  @Field(() => TransactionStatus, { description: 'COMPLETED or REFUNDED.' })
  status!: TransactionStatus;

  @Field(() => GraphQLISODateTime, { description: 'When the transaction was made (UTC).' })
  createdAt!: Date;
}

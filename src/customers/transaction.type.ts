import { Field, Float, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { TransactionStatus } from './enums';

@ObjectType({ simpleResolvers: true, description: 'A settled (completed or refunded) payment of a customer.' })
export class Transaction {
  @Field(() => ID, { description: 'The transaction\'s id.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'What the payment was for.' })
  description!: string | null;

  @Field(() => Float, { description: 'The amount before fees, in the currency\'s main unit (e.g. 10000.00 XOF).' })
  grossAmount!: number;

  @Field(() => String, { description: 'ISO-4217 currency code, e.g. XOF, EUR, USD.' })
  currencyCode!: string;

  @Field(() => TransactionStatus, { description: 'COMPLETED or REFUNDED.' })
  status!: TransactionStatus;

  @Field(() => GraphQLISODateTime, { description: 'When the transaction was made (UTC).' })
  createdAt!: Date;
}

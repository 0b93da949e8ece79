import { GraphQLJSONObject } from 'graphql-scalars';
import { Directive, Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import type { AssertTrue, CustomerValues, HasFields } from './customer.fields';
import { Environment } from './enums';

// simpleResolvers: plain fields use graphql-js's default resolver, no per-field wrapper
// (the gateway has no field middlewares). An entity of the supergraph for Apollo Federation 2:
// other subgraphs refer to a customer by its id (src/federation/subgraph.ts).
@Directive('@key(fields: "id")')
@ObjectType({
  simpleResolvers: true,
  description: 'A customer of the calling organization. Internal fields (deletion flags, creator, SPI aliases) are never exposed.',
})
export class Customer {
  @Field(() => ID, { description: 'The customer\'s id (a UUID).' })
  id!: string;

  @Field(() => ID, { description: 'The organization the customer belongs to: always the caller\'s.' })
  organizationId!: string;

  @Field(() => String, { description: 'Full name of the person or business.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Email address.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Phone number in E.164 form, e.g. +221771234567.' })
  phoneNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'WhatsApp number in E.164 form.' })
  whatsappNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'Country, e.g. Senegal.' })
  country!: string | null;

  @Field(() => String, { nullable: true, description: 'City, e.g. Dakar.' })
  city!: string | null;

  @Field(() => String, { nullable: true, description: 'Street address.' })
  address!: string | null;

  @Field(() => String, { nullable: true, description: 'Postal code.' })
  postalCode!: string | null;

  @Field(() => Boolean, { description: 'Whether the customer is a business (true) or an individual (false).' })
  isBusiness!: boolean;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The merchant\'s own data about the customer, a JSON object.' })
  metadata!: Record<string, unknown> | null;

  @Field(() => Environment, { description: 'The environment the customer lives in: the one of the key that reads it.' })
  environment!: Environment;

  @Field(() => GraphQLISODateTime, { description: 'When the customer was created (UTC).' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When the customer last changed (UTC).' })
  updatedAt!: Date;

  @Field(() => Int, {
    description:
      'Starts at 1 and grows by one with every change that alters the customer: an update that changes a value, delete, restore, erase. Pass it as expectedVersion to refuse a change made on stale data.',
  })
  version!: number;
}

/** Compiles only while the class has exactly the fields of the table in customer.fields.ts. */
export type CustomerMatchesShape = AssertTrue<HasFields<Customer, keyof CustomerValues>>;

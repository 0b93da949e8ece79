import { IsBoolean, IsEmail, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { E164, IsMetadata, LIMITS, NotBlank, NotNullWhenPresent } from '../validation/rules';
import type { AssertTrue, HasFields, InputField } from './customer.fields';

const e164 = (field: string) => ({ message: `${field} must be an E.164 phone number` });

@InputType({ description: 'A new customer. Only the name is required; blank optional values are stored as null.' })
export class CreateCustomerInput {
  @Field(() => String, { description: `Full name of the person or business (1-${LIMITS.name} characters).` })
  @IsString()
  @NotBlank()
  @MaxLength(LIMITS.name)
  name!: string;

  @Field(() => String, { nullable: true, description: `Email address (at most ${LIMITS.email} characters).` })
  @IsOptional()
  @IsEmail()
  @MaxLength(LIMITS.email)
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Phone number in E.164 form, e.g. +221771234567.' })
  @IsOptional()
  @Matches(E164, e164('phoneNumber'))
  phoneNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'WhatsApp number in E.164 form.' })
  @IsOptional()
  @Matches(E164, e164('whatsappNumber'))
  whatsappNumber?: string | null;

  @Field(() => String, { nullable: true, description: `Country (at most ${LIMITS.country} characters).` })
  @IsOptional()
  @MaxLength(LIMITS.country)
  country?: string | null;

  @Field(() => String, { nullable: true, description: `City (at most ${LIMITS.city} characters).` })
  @IsOptional()
  @MaxLength(LIMITS.city)
  city?: string | null;

  @Field(() => String, { nullable: true, description: `Street address (at most ${LIMITS.address} characters).` })
  @IsOptional()
  @MaxLength(LIMITS.address)
  address?: string | null;

  @Field(() => String, { nullable: true, description: `Postal code (at most ${LIMITS.postalCode} characters).` })
  @IsOptional()
  @MaxLength(LIMITS.postalCode)
  postalCode?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Whether the customer is a business. Default false.' })
  @IsOptional()
  @IsBoolean()
  isBusiness?: boolean | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: `Your own data about the customer: a JSON object of at most ${LIMITS.metadataKeys} keys, ${LIMITS.metadataBytes / 1024} KB and ${LIMITS.metadataDepth} levels.`,
  })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, unknown> | null;
}

@InputType({
  description: 'Changes to a customer. Only the fields present change; null clears an optional field. name and isBusiness cannot be null.',
})
export class UpdateCustomerInput {
  // Rules run bottom-up and stop at the first failure (see validateArgument): null is refused
  // first, with its own message.
  @Field(() => String, { nullable: true, description: `New full name (1-${LIMITS.name} characters); cannot be null.` })
  @ValidateIf((o: UpdateCustomerInput) => o.name !== undefined)
  @IsString()
  @NotBlank()
  @MaxLength(LIMITS.name)
  @NotNullWhenPresent()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New email address; null clears it.' })
  @IsOptional()
  @IsEmail()
  @MaxLength(LIMITS.email)
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'New phone number in E.164 form; null clears it.' })
  @IsOptional()
  @Matches(E164, e164('phoneNumber'))
  phoneNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'New WhatsApp number in E.164 form; null clears it.' })
  @IsOptional()
  @Matches(E164, e164('whatsappNumber'))
  whatsappNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'New country; null clears it.' })
  @IsOptional()
  @MaxLength(LIMITS.country)
  country?: string | null;

  @Field(() => String, { nullable: true, description: 'New city; null clears it.' })
  @IsOptional()
  @MaxLength(LIMITS.city)
  city?: string | null;

  @Field(() => String, { nullable: true, description: 'New street address; null clears it.' })
  @IsOptional()
  @MaxLength(LIMITS.address)
  address?: string | null;

  @Field(() => String, { nullable: true, description: 'New postal code; null clears it.' })
  @IsOptional()
  @MaxLength(LIMITS.postalCode)
  postalCode?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the customer is a business; cannot be null.' })
  @ValidateIf((o: UpdateCustomerInput) => o.isBusiness !== undefined)
  @IsBoolean()
  @NotNullWhenPresent()
  isBusiness?: boolean | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'New metadata, replacing the old whole; null clears it.' })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, unknown> | null;
}

/** Compile only while the inputs have exactly the settable fields of customer.fields.ts. */
export type CreateInputMatchesShape = AssertTrue<HasFields<CreateCustomerInput, InputField>>;
export type UpdateInputMatchesShape = AssertTrue<HasFields<UpdateCustomerInput, InputField>>;

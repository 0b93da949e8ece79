import { PATCH_COLUMNS } from '../customers/customer.mapper';
import type { Customer } from '../customers/customer.type';
import type { FieldError } from '../errors';

/**
 * How a REST field's value looks on the wire. One table drives the conversion of customers to
 * the original API's snake_case JSON and the OpenAPI schemas, so the two cannot disagree.
 */
export type FieldKind = 'uuid' | 'string' | 'nullableString' | 'boolean' | 'metadata' | 'environment' | 'dateTime';

export interface RestField {
  readonly rest: string;
  readonly graphql: keyof Customer;
  readonly kind: FieldKind;
  readonly description: string;
}

export const CUSTOMER_FIELDS: readonly RestField[] = [
  { rest: 'customer_id', graphql: 'id', kind: 'uuid', description: "The customer's id." },
  { rest: 'organization_id', graphql: 'organizationId', kind: 'uuid', description: "Your organization's id." },
  { rest: 'name', graphql: 'name', kind: 'string', description: 'Full name of the person or business.' },
  { rest: 'email', graphql: 'email', kind: 'nullableString', description: 'Email address.' },
  { rest: 'phone_number', graphql: 'phoneNumber', kind: 'nullableString', description: 'Phone number in E.164 form.' },
  { rest: 'whatsapp_number', graphql: 'whatsappNumber', kind: 'nullableString', description: 'WhatsApp number in E.164 form.' },
  { rest: 'country', graphql: 'country', kind: 'nullableString', description: 'Country.' },
  { rest: 'city', graphql: 'city', kind: 'nullableString', description: 'City.' },
  { rest: 'address', graphql: 'address', kind: 'nullableString', description: 'Street address.' },
  { rest: 'postal_code', graphql: 'postalCode', kind: 'nullableString', description: 'Postal code.' },
  { rest: 'is_business', graphql: 'isBusiness', kind: 'boolean', description: 'Whether the customer is a business.' },
  { rest: 'metadata', graphql: 'metadata', kind: 'metadata', description: 'Your own data about the customer.' },
  { rest: 'environment', graphql: 'environment', kind: 'environment', description: "The environment of the key: live or test." },
  { rest: 'created_at', graphql: 'createdAt', kind: 'dateTime', description: 'When the customer was created (UTC).' },
  { rest: 'updated_at', graphql: 'updatedAt', kind: 'dateTime', description: 'When the customer last changed (UTC).' },
];

/** The fields a POST or PATCH body may carry, REST name to GraphQL input field. */
export type InputField = keyof typeof PATCH_COLUMNS;
export const BODY_FIELDS: ReadonlyMap<string, InputField> = new Map(
  (Object.entries(PATCH_COLUMNS) as [InputField, string][]).map(([graphql, rest]) => [rest, graphql]),
);

/** The JSON type each body field must have (null aside). */
export const BODY_KINDS: Readonly<Record<InputField, 'string' | 'boolean' | 'object'>> = {
  name: 'string',
  email: 'string',
  phoneNumber: 'string',
  whatsappNumber: 'string',
  country: 'string',
  city: 'string',
  address: 'string',
  postalCode: 'string',
  isBusiness: 'boolean',
  metadata: 'object',
};

/** The REST name of a GraphQL field (unchanged when they are the same, e.g. pageSize, id). */
export function restFieldName(graphql: string): string {
  const rest: string | undefined = (PATCH_COLUMNS as Record<string, string>)[graphql];
  return rest ?? graphql;
}

/**
 * A rule's message with the REST name of its field. Every rule message starts with the name of
 * the field it checks (class-validator's `$property`), so only that subject is renamed.
 */
export function restMessage({ field, message }: FieldError): string {
  return message.startsWith(`${field} `) ? `${restFieldName(field)}${message.slice(field.length)}` : message;
}

import type { FieldKind as ValueKind, InputField, RestSpec } from '../customers/customer.fields';
import { INPUT_FIELDS, PATCH_COLUMNS, REST_SHAPE } from '../customers/customer.fields';
import type { Customer } from '../customers/customer.type';
import type { FieldError } from '../errors';

/**
 * How a REST field's value looks on the wire. One table (src/customers/customer.fields.ts) drives
 * the conversion of customers to the original API's snake_case JSON and the OpenAPI schemas, so
 * the two cannot disagree.
 */
export type { InputField };
export type FieldKind = RestSpec['kind'];

export interface RestField {
  readonly rest: string;
  readonly graphql: keyof Customer;
  readonly kind: FieldKind;
  readonly description: string;
}

export const CUSTOMER_FIELDS: readonly RestField[] = REST_SHAPE.map((spec) => ({ rest: spec.column, graphql: spec.field, kind: spec.kind, description: spec.rest }));

/** The fields a POST or PATCH body may carry, REST name to GraphQL input field. */
export const BODY_FIELDS: ReadonlyMap<string, InputField> = new Map(INPUT_FIELDS.map((spec) => [spec.column, spec.field]));

/** The JSON type a body field of each kind must have (null aside). */
const BODY_KIND: Readonly<Partial<Record<ValueKind, 'string' | 'boolean' | 'object'>>> = { string: 'string', nullableString: 'string', boolean: 'boolean', metadata: 'object' };

/** The JSON type each body field must have (null aside). */
export const BODY_KINDS = Object.fromEntries(INPUT_FIELDS.map((spec) => [spec.field, BODY_KIND[spec.kind]])) as Readonly<Record<InputField, 'string' | 'boolean' | 'object'>>;

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

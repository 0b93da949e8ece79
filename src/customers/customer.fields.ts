import type { EnvironmentName } from '../auth/api-keys';

/**
 * A customer's fields, once: the GraphQL name, the column of the SQL functions' public_customer
 * shape (also the original REST API's name), the kind of value, whether a create or an update
 * may set it, and its description in the REST API (absent: not in the REST shape). The row
 * type, the row-to-customer mapping, the patch columns, create_customer's arguments and REST's
 * field tables and body types are derived from it. The GraphQL classes (customer.type.ts,
 * customer.input.ts) are written out, decorators and all, and checked against it when compiled.
 */
export const CUSTOMER_SHAPE = [
  { field: 'id', column: 'customer_id', kind: 'uuid', rest: "The customer's id." },
  { field: 'organizationId', column: 'organization_id', kind: 'uuid', rest: "Your organization's id." },
  { field: 'name', column: 'name', kind: 'string', input: true, rest: 'Full name of the person or business.' },
  { field: 'email', column: 'email', kind: 'nullableString', input: true, rest: 'Email address.' },
  { field: 'phoneNumber', column: 'phone_number', kind: 'nullableString', input: true, rest: 'Phone number in E.164 form.' },
  { field: 'whatsappNumber', column: 'whatsapp_number', kind: 'nullableString', input: true, rest: 'WhatsApp number in E.164 form.' },
  { field: 'country', column: 'country', kind: 'nullableString', input: true, rest: 'Country.' },
  { field: 'city', column: 'city', kind: 'nullableString', input: true, rest: 'City.' },
  { field: 'address', column: 'address', kind: 'nullableString', input: true, rest: 'Street address.' },
  { field: 'postalCode', column: 'postal_code', kind: 'nullableString', input: true, rest: 'Postal code.' },
  { field: 'isBusiness', column: 'is_business', kind: 'boolean', input: true, createDefault: false, rest: 'Whether the customer is a business.' },
  { field: 'metadata', column: 'metadata', kind: 'metadata', input: true, rest: 'Your own data about the customer.' },
  { field: 'environment', column: 'environment', kind: 'environment', rest: 'The environment of the key: live or test.' },
  { field: 'createdAt', column: 'created_at', kind: 'dateTime', rest: 'When the customer was created (UTC).' },
  { field: 'updatedAt', column: 'updated_at', kind: 'dateTime', rest: 'When the customer last changed (UTC).' },
  { field: 'version', column: 'version', kind: 'version' },
] as const satisfies readonly FieldSpec[];

/** How a field's value looks, in a row and on REST's wire. */
export type FieldKind = 'uuid' | 'string' | 'nullableString' | 'boolean' | 'metadata' | 'environment' | 'dateTime' | 'version';

interface FieldSpec {
  readonly field: string;
  readonly column: string;
  readonly kind: FieldKind;
  /** A create or an update may set it. */
  readonly input?: true;
  /** What a create stores when the field is absent or null (otherwise null). */
  readonly createDefault?: boolean;
  /** Its description in the REST API; absent: the REST shape leaves it out. */
  readonly rest?: string;
}

type Spec = (typeof CUSTOMER_SHAPE)[number];

/** The value of a field of each kind, as the SQL functions return it. */
type RowValue<K extends FieldKind> = K extends 'uuid' | 'string'
  ? string
  : K extends 'nullableString'
    ? string | null
    : K extends 'boolean'
      ? boolean
      : K extends 'metadata'
        ? Record<string, unknown> | null
        : K extends 'environment'
          ? EnvironmentName
          : K extends 'dateTime'
            ? Date
            : number;

/** A row of the SQL functions' public_customer shape. */
export type CustomerRow = { [S in Spec as S['column']]: RowValue<S['kind']> };

/** A customer's values by GraphQL field name, as in a row. */
export type CustomerValues = { [S in Spec as S['field']]: RowValue<S['kind']> };

export type InputSpec = Extract<Spec, { input: true }>;
/** The fields a create or an update may set. */
export type InputField = InputSpec['field'];
export const INPUT_FIELDS: readonly InputSpec[] = CUSTOMER_SHAPE.filter((spec): spec is InputSpec => 'input' in spec);

/** The fields REST shows, with their descriptions. */
export type RestSpec = Extract<Spec, { rest: string }>;
export const REST_SHAPE: readonly RestSpec[] = CUSTOMER_SHAPE.filter((spec): spec is RestSpec => 'rest' in spec);

/** Fields to change: a key that is present (even with null) changes; an absent one does not. */
export type CustomerPatch = { [K in InputField]?: CustomerValues[K] | null };

/** A new customer: only the name is required. */
export type NewCustomer = CustomerPatch & { name: string };

/** GraphQL input field names and the database's, for patches. */
export const PATCH_COLUMNS = Object.fromEntries(INPUT_FIELDS.map((spec) => [spec.field, spec.column])) as {
  readonly [S in InputSpec as S['field']]: S['column'];
};

/** Compile-time check that a class has exactly the table's fields (see customer.type.ts, customer.input.ts). */
export type HasFields<T, Fields extends PropertyKey> = [Exclude<keyof T, Fields>, Exclude<Fields, keyof T>] extends [never, never] ? true : false;

/** Compiles only when T is true: `type Check = AssertTrue<HasFields<...>>`. */
export type AssertTrue<T extends true> = T;

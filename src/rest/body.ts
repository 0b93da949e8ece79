import { CreateCustomerInput, UpdateCustomerInput } from '../customers/customer.input';
import { fieldErrorsOf } from '../validation/validate';
import type { InputField } from './fields';
import { BODY_FIELDS, BODY_KINDS, restFieldName, restMessage } from './fields';
import { RestError } from './rest-error';

const TYPE_MESSAGES = {
  string: 'must be a string',
  boolean: 'must be a boolean value',
  object: 'must be a JSON object',
} as const;

function hasKind(value: unknown, kind: 'string' | 'boolean' | 'object'): boolean {
  if (kind === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return typeof value === kind;
}

/** Fills a GraphQL input object from a JSON body; returns the body's form problems by REST field. */
function fill(body: object, input: object, problems: Map<string, string>): void {
  const target = input as Partial<Record<InputField, unknown>>;
  for (const [key, value] of Object.entries(body)) {
    const field = BODY_FIELDS.get(key);
    if (field === undefined) {
      problems.set(key, `property ${key} should not exist`);
    } else if (value !== null && !hasKind(value, BODY_KINDS[field])) {
      problems.set(key, `${key} ${TYPE_MESSAGES[BODY_KINDS[field]]}`);
    } else {
      target[field] = value;
    }
  }
}

/**
 * A POST or PATCH body as the GraphQL input object, checked by the same class-validator rules
 * the GraphQL layer applies (a key present with null stays present, so PATCH keeps GraphQL's
 * absent-versus-null meaning). JSON types and unknown fields are checked first, as GraphQL's
 * variable coercion would; every failing field is reported at once, one message each, with
 * REST field names.
 */
export async function customerInput<M extends 'create' | 'update'>(
  body: unknown,
  mode: M,
): Promise<M extends 'create' ? CreateCustomerInput : UpdateCustomerInput>;
export async function customerInput(body: unknown, mode: 'create' | 'update'): Promise<CreateCustomerInput | UpdateCustomerInput> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw RestError.badRequest(['body must be a JSON object']);
  }
  const input = mode === 'create' ? new CreateCustomerInput() : new UpdateCustomerInput();
  const problems = new Map<string, string>();
  fill(body, input, problems);
  if (input instanceof CreateCustomerInput && typeof input.name !== 'string' && !problems.has('name')) {
    problems.set('name', 'name must be a string');
  }
  for (const error of await fieldErrorsOf(input)) {
    const rest = restFieldName(error.field);
    if (!problems.has(rest)) problems.set(rest, restMessage(error));
  }
  if (problems.size > 0) throw RestError.badRequest([...problems.values()]);
  return input;
}

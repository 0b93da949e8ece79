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

export type CustomerBodyMode = 'create' | 'update';

/**
 * A POST or PATCH body as the GraphQL input (camelCase keys; a key present with null stays
 * present, so PATCH keeps GraphQL's absent-versus-null meaning).
 *
 * JSON types and unknown fields are checked here because GraphQL would report them as
 * variable-coercion errors naming `$input` and camelCase fields. When any is wrong, nothing
 * runs; the same class-validator rules the GraphQL layer applies are run on the well-typed
 * fields so the 400 lists every failing field at once, one message each.
 */
export async function customerInput(body: unknown, mode: CustomerBodyMode): Promise<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw RestError.badRequest(['body must be a JSON object']);
  }
  const input: Partial<Record<InputField, unknown>> = {};
  const problems = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    const field = BODY_FIELDS.get(key);
    if (field === undefined) {
      problems.set(key, `property ${key} should not exist`);
    } else if (value !== null && !hasKind(value, BODY_KINDS[field])) {
      problems.set(key, `${key} ${TYPE_MESSAGES[BODY_KINDS[field]]}`);
    } else {
      input[field] = value;
    }
  }
  if (mode === 'create' && typeof input.name !== 'string' && !problems.has('name')) {
    problems.set('name', 'name must be a string');
    delete input.name;
  }
  if (problems.size === 0) return input;

  const instance = Object.assign(mode === 'create' ? new CreateCustomerInput() : new UpdateCustomerInput(), input);
  for (const { field, message } of await fieldErrorsOf(instance)) {
    const rest = restFieldName(field);
    if (!problems.has(rest)) problems.set(rest, restMessage(message));
  }
  throw RestError.badRequest([...problems.values()]);
}

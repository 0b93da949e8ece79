import type { ValidationError } from 'class-validator';
import { validate } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import type { FieldError } from '../errors';
import { BadUserInputError } from '../errors';
import { textProblem } from './rules';

/** Leading and trailing spaces are not part of a value; case is kept. */
function trimStrings(instance: object): void {
  const record = instance as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (typeof value === 'string') record[key] = value.trim();
  }
}

function flatten(errors: ValidationError[], out: FieldError[] = []): FieldError[] {
  for (const error of errors) {
    for (const message of Object.values(error.constraints ?? {})) out.push({ field: error.property, message });
    if (error.children?.length) flatten(error.children, out);
  }
  return out;
}

/** Every string field that cannot be stored as sent (not valid Unicode, or holding NUL). */
function textErrorsOf(instance: object): FieldError[] {
  const errors: FieldError[] = [];
  for (const [field, value] of Object.entries(instance)) {
    const message = typeof value === 'string' ? textProblem(value, field) : undefined;
    if (message) errors.push({ field, message });
  }
  return errors;
}

/** A copy of an input without the given fields, for its class's rules. */
function without(instance: object, fields: ReadonlySet<string>): object {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(instance) as object) as object, instance) as Record<string, unknown>;
  for (const field of fields) delete copy[field];
  return copy;
}

/**
 * Every failing field of an input or args object, after trimming its strings. Exported so the
 * REST layer can report rule failures alongside its own JSON type checks with the same rules.
 * Text that is not valid Unicode is refused for every string field before any rule sees it
 * (some rules, the e-mail one among them, throw on such text).
 */
export async function fieldErrorsOf(instance: object): Promise<FieldError[]> {
  trimStrings(instance);
  const textErrors = textErrorsOf(instance);
  const refused = new Set(textErrors.map((error) => error.field));
  // One message per field: the first rule that fails (rules run bottom-up in the class).
  const errors = await validate(refused.size > 0 ? without(instance, refused) : instance, {
    forbidUnknownValues: false,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  return [...textErrors, ...flatten(errors).filter((error) => !refused.has(error.field))];
}

/**
 * Validates input and args objects with their class-validator rules after trimming their
 * strings, and reports every failing field as BAD_USER_INPUT with
 * `extensions.validationErrors: [{ field, message }]`. A string argument of its own (an id) is
 * checked here for text that cannot be stored; its other rules are checked where it is used.
 */
export const validateArgument: ValidatorFn = async (argValue: unknown, _type, { args }) => {
  if (typeof argValue === 'string') {
    const name = Object.keys(args).find((key) => args[key] === argValue) ?? 'argument';
    const message = textProblem(argValue, name);
    if (message) throw BadUserInputError.field(name, message);
    return;
  }
  if (argValue === null || typeof argValue !== 'object' || Array.isArray(argValue)) return;
  const errors = await fieldErrorsOf(argValue);
  if (errors.length > 0) throw new BadUserInputError(errors);
};

import type { ValidationError } from 'class-validator';
import { validate } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import type { FieldError } from '../errors';
import { BadUserInputError } from '../errors';

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

/**
 * Every failing field of an input or args object, after trimming its strings. Exported so the
 * REST layer can report rule failures alongside its own JSON type checks with the same rules.
 */
export async function fieldErrorsOf(instance: object): Promise<FieldError[]> {
  trimStrings(instance);
  // One message per field: the first rule that fails (rules run bottom-up in the class).
  const errors = await validate(instance, {
    forbidUnknownValues: false,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  return flatten(errors);
}

/**
 * Validates input and args objects with their class-validator rules after trimming their
 * strings, and reports every failing field as BAD_USER_INPUT with
 * `extensions.validationErrors: [{ field, message }]`. Scalar arguments (ids, `first`) are
 * checked where they are used.
 */
export const validateArgument: ValidatorFn = async (argValue: unknown) => {
  if (argValue === null || typeof argValue !== 'object' || Array.isArray(argValue)) return;
  const errors = await fieldErrorsOf(argValue);
  if (errors.length > 0) throw new BadUserInputError(errors);
};

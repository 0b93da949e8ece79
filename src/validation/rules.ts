import type { ValidationArguments, ValidationOptions } from 'class-validator';
import { registerDecorator } from 'class-validator';

export const LIMITS = {
  name: 200,
  email: 254,
  country: 100,
  city: 100,
  address: 300,
  postalCode: 20,
  search: 200,
  metadataKeys: 50,
  metadataKeyLength: 40,
  metadataBytes: 8 * 1024,
  metadataDepth: 5,
  maxPage: 100_000,
  maxPageSize: 200,
  maxTransactions: 100,
} as const;

/** E.164: a plus sign, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** An unpaired UTF-16 surrogate: such text is not Unicode and has no UTF-8 form to store. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored as it is, or undefined when it can: text that is not valid
 * Unicode, or holds NUL (which PostgreSQL text and jsonb cannot hold). Refused rather than
 * changed, so what is stored is what the client sent.
 */
export function textProblem(value: string, subject: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return `${subject} must be valid Unicode text (it has an unpaired surrogate)`;
  if (value.includes('\u0000')) return `${subject} must not contain NUL (U+0000) characters`;
  return undefined;
}

/**
 * The first problem of a JSON value's depth or text. The depth is the client's to choose, so
 * the walk keeps its own stack (never the call stack), visits each node at most once, and
 * stops at the first node nested deeper than the limit.
 */
function jsonProblem(root: object, field: string): string | undefined {
  const stack: [unknown, number][] = [[root, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, depth] = entry;
    if (typeof value === 'string') {
      const problem = textProblem(value, `${field} values`);
      if (problem) return problem;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > LIMITS.metadataDepth) return `${field} must be nested at most ${LIMITS.metadataDepth} levels deep`;
    if (Array.isArray(value)) {
      for (const child of value) stack.push([child, depth + 1]);
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const problem = textProblem(key, `${field} keys`);
      if (problem) return problem;
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** Why a metadata value is refused, or undefined when it is acceptable. */
export function metadataProblem(value: unknown, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return `${field} must be a JSON object`;
  const keys = Object.keys(value);
  if (keys.length > LIMITS.metadataKeys) return `${field} must have at most ${LIMITS.metadataKeys} keys`;
  if (keys.some((key) => key.length < 1 || key.length > LIMITS.metadataKeyLength)) {
    return `${field} keys must be 1-${LIMITS.metadataKeyLength} characters long`;
  }
  // Depth first: JSON.stringify recurses, so it only ever sees a value known to be shallow.
  const problem = jsonProblem(value, field);
  if (problem) return problem;
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > LIMITS.metadataBytes) {
    return `${field} must be at most ${LIMITS.metadataBytes / 1024} KB as JSON`;
  }
  return undefined;
}

/** Metadata: a JSON object of bounded size, key count, key length and depth. */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isMetadata',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => metadataProblem(value, args.property) === undefined,
        defaultMessage: (args: ValidationArguments) => metadataProblem(args.value, args.property) ?? `${args.property} is invalid`,
      },
    });
  };
}

/** A field that may be absent but, when present, may not be null. */
export function NotNullWhenPresent(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'notNullWhenPresent',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} cannot be null`, ...options },
      validator: { validate: (value: unknown) => value !== null },
    });
  };
}

/** A string with something in it besides spaces. */
export function NotBlank(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'notBlank',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must not be blank`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || value.trim().length > 0 },
    });
  };
}

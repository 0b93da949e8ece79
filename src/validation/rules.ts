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

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, child) => Math.max(max, depthOf(child)), 0);
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
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > LIMITS.metadataBytes) {
    return `${field} must be at most ${LIMITS.metadataBytes / 1024} KB as JSON`;
  }
  if (depthOf(value) > LIMITS.metadataDepth) return `${field} must be nested at most ${LIMITS.metadataDepth} levels deep`;
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

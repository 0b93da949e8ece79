import type { Request } from 'express';
import { ConflictError, ConflictReason } from '../errors';
import { IDEMPOTENCY_KEY } from '../customers/customer.service';
import { RestError } from './rest-error';

/**
 * The HTTP headers of safe retries and optimistic concurrency: `Idempotency-Key` on a create,
 * a customer's version as its `ETag`, and `If-Match` on a change. They are REST's spelling of
 * createCustomer's idempotencyKey and of expectedVersion, and call the same service with them.
 */

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IF_MATCH_HEADER = 'If-Match';

/** Versions are PostgreSQL integers from 1. */
const MAX_VERSION = 2_147_483_647;

/** A customer's ETag: its version as a strong entity-tag, e.g. `"3"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The values of a request header, each occurrence apart (node joins repeated ones with commas). */
function occurrences(req: Request, name: string): readonly string[] {
  return req.headersDistinct[name.toLowerCase()] ?? [];
}

export const IDEMPOTENCY_KEY_MESSAGE = `${IDEMPOTENCY_KEY_HEADER} must be 1-255 printable ASCII characters, e.g. a UUID made for this one create`;

/**
 * The idempotency key of a POST, or null without the header; the message of its problem when
 * it is not one (the rule createCustomer's idempotencyKey has: 1-255 printable ASCII).
 */
export function idempotencyKeyOf(req: Request): { key: string | null; problem?: string } {
  const values = occurrences(req, IDEMPOTENCY_KEY_HEADER);
  if (values.length === 0) return { key: null };
  if (values.length > 1) return { key: null, problem: `send one ${IDEMPOTENCY_KEY_HEADER} header, not ${values.length}` };
  const [key] = values;
  return IDEMPOTENCY_KEY.test(key) ? { key } : { key: null, problem: IDEMPOTENCY_KEY_MESSAGE };
}

export const IF_MATCH_MESSAGE = `${IF_MATCH_HEADER} must be * or one ETag of the customer: its version in double quotes, e.g. "3"`;

/** One strong entity-tag holding a version number. */
const VERSION_TAG = /^"([1-9]\d{0,9})"$/;
/** What If-Match may hold (the OpenAPI document's pattern); versions also stop at 2^31 - 1. */
export const IF_MATCH_PATTERN = `^(\\*|${VERSION_TAG.source.slice(1, -1)})$`;

/**
 * The version a PATCH or DELETE requires, from If-Match: null without the header or with `*`
 * (any existing customer: a missing one is 404 as without it); the message of its problem when
 * it is not `*` or one strong ETag this API gives (a weak `W/` tag never matches under
 * If-Match's strong comparison, and a list is refused rather than half-honoured).
 */
export function ifMatchOf(req: Request): { version: number | null; problem?: string } {
  const values = occurrences(req, IF_MATCH_HEADER);
  if (values.length === 0) return { version: null };
  const value = values.length === 1 ? values[0].trim() : '';
  if (value === '*') return { version: null };
  const match = VERSION_TAG.exec(value);
  const version = match ? Number(match[1]) : NaN;
  return version <= MAX_VERSION ? { version } : { version: null, problem: IF_MATCH_MESSAGE };
}

/**
 * A request's header problem (if any) reported with its body's, in one 400 listing them all,
 * as the body's own problems are.
 */
export async function withHeaderProblem<T>(problem: string | undefined, body: () => T | Promise<T>): Promise<T> {
  let value: T;
  try {
    value = await body();
  } catch (error) {
    if (problem !== undefined && error instanceof RestError && error.statusCode === 400) {
      throw RestError.badRequest([problem, ...(typeof error.messages === 'string' ? [error.messages] : error.messages)]);
    }
    throw error;
  }
  if (problem !== undefined) throw RestError.badRequest([problem]);
  return value;
}

/**
 * Runs a change made under If-Match. The service's refusal of a stale version (CONFLICT,
 * VERSION_MISMATCH, with the current version) is HTTP's 412, naming the current ETag.
 */
export async function underIfMatch<T>(id: string, expected: number | null, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (expected === null || !(error instanceof ConflictError) || error.reason !== ConflictReason.VERSION_MISMATCH) throw error;
    const current = error.extensions.currentVersion;
    const now = typeof current === 'number' ? `is at version ${current} (ETag ${etagOf(current)})` : 'has changed';
    const retry = typeof current === 'number' ? `, then send If-Match: ${etagOf(current)} if the change still applies` : '';
    throw new RestError(
      412,
      `Customer ${id} ${now}, not the version If-Match names (${etagOf(expected)}): nothing was changed; read it again with GET /customers/${id}${retry}`,
    );
  }
}

import type { Response } from 'express';
import type { FieldError } from '../errors';
import { BadUserInputError, clientErrorOf, ConflictError, HTTP_STATUS, reportInternal } from '../errors';
import { RateLimitedError } from '../limits/errors';
import type { RequestScope } from '../logger';
import { restMessage } from './fields';

/** A 409's cause (GraphQL's `extensions.reason`): CONCURRENT_CHANGE may be retried as it is. */
export const CONFLICT_REASON_HEADER = 'Conflict-Reason';

/** An error in the original API's shape: `{ statusCode, message }`, message a list for 400. */
export class RestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly messages: string | readonly string[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(Array.isArray(messages) ? messages.join('; ') : String(messages));
    this.name = 'RestError';
  }

  static badRequest(messages: readonly string[]): RestError {
    return new RestError(400, messages);
  }

  static internal(): RestError {
    return new RestError(500, 'Internal server error');
  }
}

export function sendRestError(res: Response, error: RestError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.statusCode).json({ statusCode: error.statusCode, message: error.messages });
}

/** One message per field, the first rule that failed, as the original API's clients expect. */
function fieldMessages(errors: readonly FieldError[]): string[] {
  const byField = new Map<string, string>();
  for (const error of errors) if (!byField.has(error.field)) byField.set(error.field, restMessage(error));
  return [...byField.values()];
}

/**
 * The REST answer for anything a route threw: the status from the one code table, and
 * everything no client caused masked as a 500 and logged under the request id, as GraphQL does.
 */
export function restErrorOf(error: unknown, scope: RequestScope | undefined): RestError {
  if (error instanceof RestError) return error;
  const coded = clientErrorOf(error, scope);
  if (!coded) {
    reportInternal(error, scope, 'REST request failed');
    return RestError.internal();
  }
  const status = HTTP_STATUS[coded.code];
  if (coded instanceof BadUserInputError) return RestError.badRequest(fieldMessages(coded.validationErrors));
  if (status === 400) return RestError.badRequest([coded.message]);
  if (coded instanceof RateLimitedError) return new RestError(status, coded.message, { 'Retry-After': String(coded.retryAfterSeconds) });
  // The body keeps the original shape; the header says which conflict, i.e. whether to retry.
  if (coded instanceof ConflictError) return new RestError(status, coded.message, { [CONFLICT_REASON_HEADER]: coded.reason });
  return new RestError(status, coded.message);
}

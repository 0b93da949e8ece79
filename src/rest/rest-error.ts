import type { Response } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors';
import { restFieldName, restMessage } from './fields';

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

/** The HTTP status of each code a client may see; any other code is masked as a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.BAD_USER_INPUT]: 400,
  // Too complex for the GraphQL layer's limits: the client can ask for a smaller page.
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

function fieldMessages(extensions: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  const list = extensions?.validationErrors;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const byField = new Map<string, string>();
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const field = 'field' in entry && typeof entry.field === 'string' ? entry.field : '';
    const message = 'message' in entry && typeof entry.message === 'string' ? entry.message : undefined;
    // One message per field, the first rule that failed, as the original API's clients expect.
    const rest = restFieldName(field);
    if (message !== undefined && !byField.has(rest)) byField.set(rest, restMessage(message));
  }
  return byField.size > 0 ? [...byField.values()] : undefined;
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.ceil(n) : undefined;
}

/**
 * How long to wait, from the GraphQL response's Retry-After header or the error's extensions
 * (whichever the rate limiter provides); a minute when it says nothing.
 */
function retryAfter(extensions: Readonly<Record<string, unknown>> | undefined, header: string | undefined): string {
  const fromMs = seconds(extensions?.retryAfterMs);
  const wait = seconds(header) ?? seconds(extensions?.retryAfter) ?? seconds(extensions?.retryAfterSeconds) ?? (fromMs === undefined ? undefined : Math.ceil(fromMs / 1000));
  return String(Math.max(1, wait ?? 60));
}

/** The REST answer for the first error of a GraphQL result (already formatted and masked). */
export function fromGraphQLError(error: GraphQLFormattedError, retryAfterHeader?: string): RestError {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : ErrorCode.INTERNAL_SERVER_ERROR;
  const status = STATUS_BY_CODE[code];
  if (status === undefined) return RestError.internal();
  if (status === 400) return RestError.badRequest(fieldMessages(error.extensions) ?? [restMessage(error.message)]);
  if (status === 429) return new RestError(429, error.message, { 'Retry-After': retryAfter(error.extensions, retryAfterHeader) });
  return new RestError(status, error.message);
}

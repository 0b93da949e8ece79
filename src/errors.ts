import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { DatabaseError } from './db/errors';
import { requestScope } from './logger';

/** Every code a client can see, with the HTTP status the whole request gets when it fails. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Apollo's and graphql-js's own codes: their messages describe the client's request only. */
const APOLLO_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export interface FieldError {
  field: string;
  message: string;
}

/** An error a client caused or may act on, with a stable code. */
export class GatewayError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, httpStatus?: number) {
    super(message, { extensions: { code, ...extensions, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
    this.name = 'GatewayError';
  }
}

export class BadUserInputError extends GatewayError {
  constructor(readonly validationErrors: FieldError[]) {
    super(ErrorCode.BAD_USER_INPUT, validationErrors.map((e) => e.message).join('; '), { validationErrors });
  }

  static field(field: string, message: string): BadUserInputError {
    return new BadUserInputError([{ field, message }]);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export const customerNotFound = (id: string): NotFoundError =>
  new NotFoundError(`Customer with ID ${id} not found or access denied`);

export class UnauthenticatedError extends GatewayError {
  constructor(message: 'API key is missing' | 'Invalid API key') {
    super(ErrorCode.UNAUTHENTICATED, message, {}, 401);
  }
}

export class ServiceUnavailableError extends GatewayError {
  constructor(message = 'The service is temporarily unavailable; try again shortly', httpStatus?: number) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, {}, httpStatus);
  }
}

/** What a database failure means to a client. Unknown ones are not mapped: they are masked. */
export function fromDatabaseError(error: DatabaseError, httpStatus?: number): GatewayError | undefined {
  switch (error.kind) {
    case 'unavailable':
      return new ServiceUnavailableError('The database is unavailable; try again shortly', httpStatus);
    case 'timeout':
      return new ServiceUnavailableError('The database took too long to answer; try again or narrow the request', httpStatus);
    case 'conflict':
      return new GatewayError(ErrorCode.CONFLICT, 'The change conflicted with another one; try again');
    case 'not_found':
      return new NotFoundError('Not found or access denied');
    case 'invalid_input':
      return new GatewayError(ErrorCode.BAD_USER_INPUT, 'The input was rejected; check the values sent');
    case 'internal':
      return undefined;
    default: {
      const never: never = error.kind;
      return never;
    }
  }
}

/** A database error's own text can hold SQL and customer data: log its kind and code only. */
export function loggable(error: unknown): unknown {
  return error instanceof DatabaseError ? { type: 'DatabaseError', kind: error.kind, code: error.code } : error;
}

function codeOf(formatted: GraphQLFormattedError): string | undefined {
  const code = formatted.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

function withoutStack(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _omit, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/**
 * Passes coded errors through and masks everything else as "Internal server error" with the
 * request id, logging the original (never sent to the client) under that id.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) return withoutStack(formatted);
  if (original instanceof DatabaseError) {
    const mapped = fromDatabaseError(original);
    if (mapped) {
      requestScope.getStore()?.log.warn({ err: { kind: original.kind, code: original.code } }, 'database error');
      return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: { code: mapped.extensions.code } };
    }
  } else if (APOLLO_CODES.has(codeOf(formatted) ?? '')) {
    return withoutStack(formatted);
  }
  const scope = requestScope.getStore();
  scope?.log.error({ err: loggable(original) }, 'internal error');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(scope ? { requestId: scope.requestId } : {}) },
  };
}

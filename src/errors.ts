import { ApolloServerErrorCode, ApolloServerValidationErrorCode, unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { DatabaseError } from './db/errors';
import type { RequestScope } from './logger';

/** Every code a client can see of ours. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** PERSISTED_DOCUMENTS=require: a document that is not in the manifest (src/persisted/). */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The one table of HTTP statuses: what a request that fails as a whole answers with each code,
 * over GraphQL (errors raised before execution) and REST (every error) alike.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  // The key is valid, but what it asks for is not served here (the subgraph SDL in production).
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  // Too deep or costly: the client can ask for a smaller page or fewer fields.
  QUERY_TOO_COMPLEX: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  // A body in a charset or Content-Encoding the gateway does not read.
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Request headers or URL over the HTTP parser's limit (src/http/client-error.ts).
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
  // The same document sent again is refused again: the app must send a trusted document's id.
  PERSISTED_QUERY_NOT_IN_LIST: 400,
};

/**
 * Apollo's and graphql-js's own codes (Apollo's enum, imported): their messages describe the
 * client's request only. Its INTERNAL_SERVER_ERROR is what Apollo gives an unknown error, which
 * is masked like any other.
 */
const APOLLO_CODES: ReadonlySet<string> = new Set<string>(
  Object.values(ApolloServerErrorCode).filter((code) => code !== ApolloServerErrorCode.INTERNAL_SERVER_ERROR),
);

/**
 * Apollo's own refusals of a request that carry an HTTP 4xx status but no code (the persisted-
 * query version and hash checks), with a message saying what to change. An unknown one of the
 * kind keeps Apollo's message.
 */
const APOLLO_REQUEST_ERRORS: Readonly<Record<string, string>> = {
  'Unsupported persisted query version': 'extensions.persistedQuery.version must be 1, the only version of automatic persisted queries',
  'provided sha does not match query': 'extensions.persistedQuery.sha256Hash must be the SHA-256 (hex) of the query sent with it',
};

/**
 * graphql-js stops coercing variables after 50 errors with an error of its own, uncoded (Apollo
 * codes only the per-variable ones): it is the client's input all the same.
 */
const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

/** The message for a client error Apollo raised without a code, or undefined when it is not one. */
function uncodedRequestError(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError) || error.originalError || error.extensions.code !== undefined) return undefined;
  const http = error.extensions.http;
  const status = typeof http === 'object' && http !== null && 'status' in http ? http.status : undefined;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return APOLLO_REQUEST_ERRORS[error.message] ?? error.message;
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error a client caused or may act on, with a stable code. `wholeRequest` marks errors that
 * refuse the whole request before execution: the response then gets the code's HTTP status
 * (a field's error must not set it: Apollo would apply it to the whole response).
 */
export class GatewayError extends GraphQLError {
  declare readonly extensions: { code: ErrorCode; [key: string]: unknown };

  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, wholeRequest = false) {
    super(message, { extensions: { code, ...(wholeRequest ? { http: { status: HTTP_STATUS[code] } } : {}), ...extensions } });
    this.name = 'GatewayError';
  }

  get code(): ErrorCode {
    return this.extensions.code;
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

/**
 * Why a change was refused as CONFLICT (`extensions.reason`). Only CONCURRENT_CHANGE may be
 * retried as it is; the others need the client to look again first (README, "Errors").
 */
export const ConflictReason = {
  /** expectedVersion is not the customer's version: read it again, then decide. */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** The idempotency key was used with another input: use a new key for a new request. */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** Another change ran at the same moment: retrying the same request is safe. */
  CONCURRENT_CHANGE: 'CONCURRENT_CHANGE',
} as const;
export type ConflictReason = (typeof ConflictReason)[keyof typeof ConflictReason];

export class ConflictError extends GatewayError {
  constructor(readonly reason: ConflictReason, message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.CONFLICT, message, { reason, ...extensions });
  }
}

export const versionMismatch = (id: string, expected: number, current: number): ConflictError =>
  new ConflictError(
    ConflictReason.VERSION_MISMATCH,
    `Customer ${id} is at version ${current}, not the expected version ${expected}: nothing was changed; read it again and retry with expectedVersion ${current}`,
    { currentVersion: current },
  );

export const idempotencyKeyReused = (): ConflictError =>
  new ConflictError(
    ConflictReason.IDEMPOTENCY_KEY_REUSED,
    'This idempotency key was already used with a different input in the last 24 hours: nothing was created; use a new key for a new customer',
  );

export const customerNotFound = (id: string): NotFoundError =>
  new NotFoundError(`Customer with ID ${id} not found or access denied`);

export class UnauthenticatedError extends GatewayError {
  constructor(message: 'API key is missing' | 'Invalid API key') {
    super(ErrorCode.UNAUTHENTICATED, message, {}, true);
  }

  /** No key was presented at all (rather than a wrong, expired or revoked one). */
  get missingKey(): boolean {
    return this.message === 'API key is missing';
  }
}

export class ServiceUnavailableError extends GatewayError {
  constructor(message = 'The service is temporarily unavailable; try again shortly', wholeRequest = false) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, {}, wholeRequest);
  }
}

/** What a database failure means to a client. Unknown ones are not mapped: they are masked. */
export function fromDatabaseError(error: DatabaseError, wholeRequest = false): GatewayError | undefined {
  switch (error.kind) {
    case 'unavailable':
      return new ServiceUnavailableError('The database is unavailable; try again shortly', wholeRequest);
    case 'timeout':
      return new ServiceUnavailableError('The database took too long to answer; try again or narrow the request', wholeRequest);
    case 'conflict':
      return new ConflictError(ConflictReason.CONCURRENT_CHANGE, 'The change conflicted with another one made at the same time; try again');
    case 'version_mismatch':
      return new ConflictError(ConflictReason.VERSION_MISMATCH, 'The customer is not at the expected version: nothing was changed; read it again');
    case 'idempotency_key_reused':
      return idempotencyKeyReused();
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

/**
 * The error a client sees for anything thrown while serving it, GraphQL and REST alike: coded
 * errors as they are, database errors by their kind (logged as a warning), and undefined for
 * everything else, which the caller masks (see `reportInternal`).
 */
export function clientErrorOf(error: unknown, scope: RequestScope | undefined): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  if (error instanceof DatabaseError) {
    const mapped = fromDatabaseError(error);
    if (mapped) scope?.log.warn({ err: error }, 'database error');
    return mapped;
  }
  return undefined;
}

/**
 * Logs an error no client caused under its request's id (the logger redacts it, see
 * logger.ts), and returns that id for the masked answer.
 */
export function reportInternal(error: unknown, scope: RequestScope | undefined, what = 'internal error'): string | undefined {
  scope?.log.error({ err: error }, what);
  return scope?.requestId;
}

/**
 * The request each GraphQL error was raised in, for formatError (Apollo calls it with the error
 * alone). Filled by the errorScope plugin (plugins.ts) before Apollo formats the errors; weak,
 * so it holds nothing past the response. The request is passed this way, not through
 * AsyncLocalStorage, which would turn on promise hooks for every promise of every request.
 */
const errorScopes = new WeakMap<object, RequestScope>();

export function rememberErrorScope(error: unknown, scope: RequestScope): void {
  if (typeof error === 'object' && error !== null) errorScopes.set(error, scope);
}

function errorScopeOf(error: unknown): RequestScope | undefined {
  return typeof error === 'object' && error !== null ? errorScopes.get(error) : undefined;
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

/** Apollo's refusal speaks of its constructor option; an API client needs the gateway's setting. */
const INTROSPECTION_OFF =
  'Introspection is turned off on this server (the default in production). Its operator can turn it on with GRAPHQL_INTROSPECTION=true; the schema is also published as schema/schema.graphql.';

/**
 * Passes coded errors through (Apollo's uncoded refusals of a request get BAD_REQUEST) and
 * masks everything else as "Internal server error" with the request id, logging the original
 * (never sent to the client) under that id.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) return withoutStack(formatted);
  const scope = errorScopeOf(error) ?? errorScopeOf(original);
  const mapped = clientErrorOf(original, scope);
  if (mapped) {
    const { reason } = mapped.extensions;
    return {
      message: mapped.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: mapped.code, ...(typeof reason === 'string' ? { reason } : {}) },
    };
  }
  if (formatted.extensions?.validationErrorCode === ApolloServerValidationErrorCode.INTROSPECTION_DISABLED) {
    return { ...withoutStack(formatted), message: INTROSPECTION_OFF };
  }
  if (!(original instanceof DatabaseError) && APOLLO_CODES.has(codeOf(formatted) ?? '')) return withoutStack(formatted);
  if (original instanceof GraphQLError && original.message === TOO_MANY_VARIABLE_ERRORS && original.extensions.code === undefined) {
    return { message: 'The variables have too many invalid values: the first 50 are reported; correct those and send again', extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  const refused = uncodedRequestError(original);
  if (refused) return { message: refused, extensions: { code: ApolloServerErrorCode.BAD_REQUEST } };
  const requestId = reportInternal(original, scope);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
}

import { HeaderMap } from '@apollo/server';
import { ErrorCode, GatewayError, HTTP_STATUS } from '../errors';

/** Whole seconds a client should wait, rounded up so it never retries too early. */
export function secondsUntil(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

/**
 * A refused request or field. `wholeRequest` is only set where the whole request is refused
 * (auth failures); a refused root field must not set it, because Apollo applies an error's
 * HTTP status to the whole response even when other root fields succeeded.
 */
export class RateLimitedError extends GatewayError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    extensions: Record<string, unknown> = {},
    wholeRequest = false,
  ) {
    super(
      ErrorCode.RATE_LIMITED,
      message,
      {
        retryAfterSeconds,
        ...extensions,
        ...(wholeRequest ? { http: { status: HTTP_STATUS[ErrorCode.RATE_LIMITED], headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) } } : {}),
      },
      wholeRequest,
    );
    this.name = 'RateLimitedError';
  }
}

/** A query refused before execution for its depth or its cost (HTTP 400). */
export class QueryTooComplexError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown>) {
    super(ErrorCode.QUERY_TOO_COMPLEX, message, extensions, true);
    this.name = 'QueryTooComplexError';
  }
}

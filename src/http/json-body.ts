import { isUtf8 } from 'node:buffer';
import type { RequestHandler } from 'express';
import express from 'express';
import { ErrorCode, HTTP_STATUS } from '../errors';

/**
 * JSON request bodies, one way for /graphql and the REST routes: parsed up to the body limit
 * (after any Content-Encoding is undone), and refused when they are not valid UTF-8 rather than
 * decoded with U+FFFD in place of the bad bytes (which would store text the client never sent).
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    verify: (_req, _res, buffer, encoding) => {
      if (encoding.toLowerCase() === 'utf-8' && !isUtf8(buffer)) {
        throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'entity.invalid.utf8' });
      }
    },
  });
}

/** A request body the gateway could not read, as the client's error (never a 500). */
export interface BodyError {
  /** The status body-parser gave it: always 4xx. */
  readonly status: number;
  readonly code: ErrorCode | 'BAD_REQUEST';
  /** For GraphQL answers: a sentence. */
  readonly message: string;
  /** For REST answers (the seed's style for 400: the subject first). */
  readonly restMessage: string;
}

function property(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null && name in error ? (error as Record<string, unknown>)[name] : undefined;
}

function bodyError(status: number, message: string, restMessage = message): BodyError {
  const code = status === HTTP_STATUS.PAYLOAD_TOO_LARGE ? ErrorCode.PAYLOAD_TOO_LARGE : status === HTTP_STATUS.UNSUPPORTED_MEDIA_TYPE ? ErrorCode.UNSUPPORTED_MEDIA_TYPE : 'BAD_REQUEST';
  return { status, code, message, restMessage };
}

/** zlib's and brotli's error codes (Z_DATA_ERROR, Z_BUF_ERROR, ERR__ERROR_FORMAT_PADDING_1, ...). */
const DECOMPRESSION_CODE = /^(?:Z_|ERR__)/;

/**
 * What a body-parser error means to the client, or undefined when the error is not about the
 * body. Every body-parser error that carries a 4xx status keeps it, with a message of ours:
 * body-parser's own can quote the decoder's or JSON.parse's text.
 */
export function bodyErrorOf(error: unknown, limitBytes: number, contentEncoding: string | undefined): BodyError | undefined {
  const status = property(error, 'status') ?? property(error, 'statusCode');
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const encoding = (contentEncoding ?? 'identity').toLowerCase();
  const type = property(error, 'type');
  switch (type) {
    case 'entity.too.large':
      return bodyError(status, `The request body is larger than the limit of ${limitBytes} bytes`);
    case 'entity.parse.failed':
      return bodyError(status, 'The request body is not valid JSON', 'body must be valid JSON');
    case 'entity.invalid.utf8':
      return bodyError(status, 'The request body is not valid UTF-8', 'body must be valid UTF-8');
    case 'encoding.unsupported':
      return bodyError(status, `Content-Encoding ${encoding} is not supported: send the body as gzip, deflate, br or unencoded`);
    case 'charset.unsupported':
      return bodyError(status, 'The request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return bodyError(status, 'The request body does not have the length its Content-Length says', 'body must be as long as its Content-Length says');
    default:
      break;
  }
  // The decompression stream's own errors come with status 400 and no type.
  const code = property(error, 'code');
  if (type === undefined && typeof code === 'string' && DECOMPRESSION_CODE.test(code)) {
    return bodyError(status, `The request body is not valid ${encoding} data, as its Content-Encoding says it is`, `body must be valid ${encoding} data, as its Content-Encoding says`);
  }
  if (typeof type === 'string') return bodyError(status, 'The request body could not be read', 'body could not be read');
  return undefined;
}

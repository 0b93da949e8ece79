import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../errors';

/** Whether a request announces a body (a length above 0, or chunks). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Closes a request whose body has not fully arrived within `ms` (a client trickling its body
 * a byte at a time would otherwise hold a connection and a parser for as long as it likes):
 * 408 with a coded JSON error, then the connection is closed. Node's own `requestTimeout` is
 * set above this one (server.ts), so this answer, with its body, is the one clients get.
 */
export function bodyTimeout(ms: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req) || req.complete) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      res.locals.log.info({ timeoutMs: ms }, 'request body too slow: closing with 408');
      res.setHeader('connection', 'close');
      res.status(408).json({
        errors: [
          {
            message: `The request body did not arrive within ${ms} ms; send it at once and retry.`,
            extensions: { code: ErrorCode.REQUEST_TIMEOUT, requestId: res.locals.requestId },
          },
        ],
      });
      // The parser still waits for the rest of the body: closing the connection ends it.
      res.once('finish', () => req.socket.destroy());
    }, ms);
    const done = () => clearTimeout(timer);
    req.once('end', done);
    req.once('close', done);
    res.once('close', done);
    next();
  };
}

/** A client that went away before its answer: its own doing, logged as information, not an error. */
export function isClientAbort(error: unknown): boolean {
  const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
  return type === 'request.aborted';
}

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';
import { requestScope } from '../logger';

/** A client's id is kept when it is a sane token, so its logs and ours line up. */
const SANE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

declare module 'express-serve-static-core' {
  interface Locals {
    requestId: string;
    log: Logger;
    /** The REST operation a request ran (its operationId), for the request log. */
    operation?: string;
  }
}

/** The path without the query string, which may carry search terms (customer data). */
function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

/**
 * Gives every request an id (the client's `x-request-id` when sane, else a new UUID), echoes
 * it on the response, and runs the rest of the request with that id and a child logger in
 * scope. Logs one line when the response is finished.
 */
export function requestIdMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.header('x-request-id');
    const requestId = offered && SANE_ID.test(offered) ? offered : randomUUID();
    const log = logger.child({ requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info(
        { method: req.method, path: pathOf(req.originalUrl), operation: res.locals.operation, status: res.statusCode, durationMs: Number(process.hrtime.bigint() - started) / 1e6 },
        'request finished',
      );
    });
    requestScope.run({ requestId, log }, next);
  };
}

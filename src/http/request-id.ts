import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Tenant } from '../auth/tenant';
import type { Logger } from '../logger';

/** A client's id is kept when it is a sane token, so its logs and ours line up. */
const SANE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

declare module 'express-serve-static-core' {
  interface Locals {
    requestId: string;
    log: Logger;
    /** The caller, once the context factory has decided it, for the request log. */
    tenant?: Tenant;
  }
}

/** The path without the query string, which may carry search terms (customer data). */
function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The request log line: never headers (credentials), bodies, query strings or customer data.
 * `res.locals` is express's, filled while the request ran.
 */
function requestEntry(req: IncomingMessage, res: ServerResponse, durationMs: number): Record<string, unknown> {
  const { operation, operationType, outcome, tenant, trace } = (res as Response).locals ?? {};
  return {
    method: req.method,
    path: pathOf((req as Request).originalUrl ?? req.url ?? ''),
    // the GraphQL operation or REST route it ran, and the code its client got (OK or the error's)
    operation,
    operationType,
    outcome,
    organizationId: tenant?.organizationId,
    environment: tenant?.environment,
    status: res.statusCode,
    durationMs,
    traceId: trace?.request.spanContext().traceId,
  };
}

/**
 * Gives every request an id (the client's `x-request-id` when sane, else a new UUID), echoes
 * it on the response, logs one line when the response is finished or the client went away
 * (pino-http), and keeps that id and a child logger in res.locals for the rest of the request.
 */
export function requestLog(logger: Logger): RequestHandler[] {
  const http = pinoHttp({
    logger,
    // req.log is a child with the request id only (no request object to redact)
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    genReqId: (req, res) => {
      const offered = req.headers['x-request-id'];
      const requestId = typeof offered === 'string' && SANE_ID.test(offered) ? offered : randomUUID();
      res.setHeader('x-request-id', requestId);
      return requestId;
    },
    // A 5xx is logged where it happened (reportInternal, at error); this line is the outcome.
    customLogLevel: () => 'info',
    customSuccessObject: (req, res, { responseTime }: { responseTime: number }) => requestEntry(req, res, responseTime),
    customErrorObject: (req, res, _error, { responseTime }: { responseTime: number }) => requestEntry(req, res, responseTime),
    customSuccessMessage: () => 'request finished',
    customErrorMessage: () => 'request finished',
  });
  const scope = (req: Request, res: Response, next: NextFunction): void => {
    res.locals.requestId = String(req.id);
    res.locals.log = req.log;
    next();
  };
  return [http, scope];
}

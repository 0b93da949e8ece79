import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { DatabaseError } from './db/errors';

export type Logger = pino.Logger;

/**
 * An error as logged, wherever it is logged (`{ err }`): a database error by its kind and code
 * only, since its driver message (which pino's serializer would append through `cause`) can hold
 * SQL and customer data; any other error as pino serializes it.
 */
function errorForLog(error: unknown): unknown {
  if (error instanceof DatabaseError) return { type: 'DatabaseError', kind: error.kind, code: error.code };
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}

/**
 * JSON logs for operators. Headers that carry credentials are redacted wherever they appear;
 * errors are logged by `errorForLog`; request bodies, variables and customer data are never
 * logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'customers-gateway' },
    serializers: { err: errorForLog },
    redact: {
      paths: ['req.headers["x-api-key"]', 'req.headers.authorization', 'headers["x-api-key"]', 'headers.authorization', 'apiKey', 'key'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export interface RequestScope {
  requestId: string;
  log: Logger;
}

/** The current HTTP request's id and logger, wherever the code runs during that request. */
export const requestScope = new AsyncLocalStorage<RequestScope>();

import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs for operators. Headers that carry credentials are redacted wherever they appear;
 * request bodies, variables and customer data are never logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'customers-gateway' },
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

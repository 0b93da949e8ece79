import pino from 'pino';
import pretty from 'pino-pretty';
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

/**
 * Whether the process logs for a person: `LOG_FORMAT=pretty`, or (the default, `auto`) in
 * development when stdout is a terminal. Anything else, a pipe, a file, a log shipper or
 * production, gets JSON lines.
 */
export function wantsPrettyLogs(config: { production: boolean; logFormat: 'auto' | 'json' | 'pretty' }, stdoutIsTty: boolean): boolean {
  if (config.logFormat !== 'auto') return config.logFormat === 'pretty';
  return !config.production && stdoutIsTty;
}

/** Readable lines (time, level, message, then the fields) on stdout, written synchronously. */
export function prettyStdout(): pino.DestinationStream {
  return pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true, sync: true });
}

/** A request's id and logger (res.locals for express, the context for GraphQL). */
export interface RequestScope {
  requestId: string;
  log: Logger;
}

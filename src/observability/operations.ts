import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { Response } from 'express';
import type { GraphQLContext } from '../context';
import { DatabaseError } from '../db/errors';
import { ErrorCode, fromDatabaseError, GatewayError, HTTP_STATUS } from '../errors';
import { RestError } from '../rest/rest-error';
import type { GatewayMetrics, OperationType } from './metrics';
import type { Tracing } from './tracing';

/** What the request log line says of the operation a request ran (kept in res.locals). */
export interface OperationReport {
  /** The GraphQL operation's name, or the REST route's operationId. */
  operation?: string;
  operationType?: OperationType;
  /** `OK`, or the code of the (first) error the client got. */
  outcome?: string;
}

declare module 'express-serve-static-core' {
  interface Locals extends OperationReport {}
}

/** A REST route as the observer sees it. */
export interface RestOperation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
}

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/** The code the client got: the first formatted error's (what formatError sent), else OK. */
function graphqlOutcome({ response, errors }: GraphQLRequestContextWillSendResponse<GraphQLContext>): string {
  const sent = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
  const first = sent?.[0] ?? errors?.[0];
  if (!first) return 'OK';
  const code = first.extensions?.code;
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}

/** REST errors carry no code of their own: the one status table read backwards (400 is input). */
const CODE_OF_STATUS = new Map<number, string>(
  Object.entries(HTTP_STATUS)
    .filter(([code]) => code !== ErrorCode.QUERY_TOO_COMPLEX)
    .map(([code, status]) => [status, code]),
);

/** The code of what a REST route threw, as the same failure over GraphQL would carry. */
export function restOutcome(error: unknown): string {
  if (error instanceof GatewayError) return error.code;
  if (error instanceof DatabaseError) return fromDatabaseError(error)?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
  if (error instanceof RestError) return CODE_OF_STATUS.get(error.statusCode) ?? `HTTP_${error.statusCode}`;
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * Where an operation's outcome goes when it ends, GraphQL and REST alike: the operation log line
 * (GraphQL), the request log line (res.locals, via the context's `report`), the metrics, and,
 * when traces are on, the operation's span. Computed once per operation.
 */
export class OperationObserver {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly tracing: Tracing | undefined,
  ) {}

  /** One log line per GraphQL operation with its outcome (never variables or results), plus the above. */
  plugin(): ApolloServerPlugin<GraphQLContext> {
    const { metrics, tracing } = this;
    return {
      async requestDidStart({ contextValue }) {
        const started = process.hrtime.bigint();
        const scope = contextValue.trace;
        const span = scope && tracing ? tracing.startOperation(scope, 'graphql', {}) : undefined;
        return {
          async willSendResponse(request) {
            const { operationName, operation, errors, response } = request;
            const code = graphqlOutcome(request);
            const type: OperationType = operation?.operation ?? 'unknown';
            const elapsed = seconds(started);
            const label = metrics.operationLabel(operationName, operation !== undefined);
            const codes = (errors ?? []).map((error) => error.extensions?.code).filter((c) => typeof c === 'string');
            contextValue.log.info(
              {
                operationName: operationName ?? null,
                operationType: operation?.operation ?? null,
                status: response.http.status ?? 200,
                outcome: code,
                errorCodes: codes.length ? codes : undefined,
                durationMs: elapsed * 1000,
              },
              'graphql operation',
            );
            Object.assign(contextValue.report, { operation: operationName ?? label, operationType: type, outcome: code });
            metrics.operation({ api: 'graphql', operation: label, type, code, seconds: elapsed });
            if (span && scope && tracing) {
              span.updateName(`${type} ${label}`);
              span.setAttribute('graphql.operation.type', type);
              if (operationName) span.setAttribute('graphql.operation.name', operationName);
              tracing.endOperation(scope, span, code);
            }
          },
        };
      },
    };
  }

  /**
   * Starts observing a REST request of `route`; call the function returned when it ends, with
   * what it threw, if anything.
   */
  rest(res: Response, route: RestOperation): (error?: unknown) => void {
    const started = process.hrtime.bigint();
    const type: OperationType = route.method === 'get' ? 'query' : 'mutation';
    Object.assign(res.locals, { operation: route.operationId, operationType: type, route: route.path });
    const scope = res.locals.trace;
    const span = scope && this.tracing ? this.tracing.startOperation(scope, `rest ${route.operationId}`, { 'rest.operation_id': route.operationId }) : undefined;
    return (error) => {
      const code = error === undefined ? 'OK' : restOutcome(error);
      res.locals.outcome = code;
      this.metrics.operation({ api: 'rest', operation: route.operationId, type, code, seconds: seconds(started) });
      if (span && scope && this.tracing) this.tracing.endOperation(scope, span, code);
    };
  }
}

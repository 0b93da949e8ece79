import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { RequestHandler } from 'express';
import type { TracingConfig } from '../config';
import type { Database, Row, RpcArgs, RpcFunction } from '../db/database';
import { DatabaseError } from '../db/errors';

/** The attribute every span of a request carries: the id it answers and logs with (x-request-id). */
export const REQUEST_ID_ATTRIBUTE = 'request.id';

/** One HTTP request's spans: the request's, and the operation's while one runs. */
export interface TraceScope {
  readonly requestId: string;
  readonly request: Span;
  /** The GraphQL operation (or REST route) running now: the parent of database calls. */
  operation: Span | undefined;
}

declare module 'express-serve-static-core' {
  interface Locals {
    /** The request's spans, when traces are on (src/observability/tracing.ts). */
    trace?: TraceScope;
    /** The route template (`/graphql`, `/customers/:id`): the request span's name, never the path itself. */
    route?: string;
  }
}

const propagator = new W3CTraceContextPropagator();

/** How long a graceful stop waits for the last spans to be exported. */
const FLUSH_TIMEOUT_MS = 3_000;

/** The standard OTEL_TRACES_SAMPLER values (the SDK's own env reading lives in sdk-node, not used here). */
function sampler({ name, ratio }: TracingConfig['sampler']): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default: {
      const never: never = name;
      return never;
    }
  }
}

/**
 * OpenTelemetry traces, exported over OTLP/HTTP (JSON) in batches: a span per HTTP request
 * (continuing the caller's W3C `traceparent`), a child per GraphQL operation or REST route, and
 * below it one per database call. Spans are parented explicitly through the request's
 * TraceScope, not through an async context manager, so nothing runs per promise. Attributes
 * are names, types, codes and the request id: never keys, arguments, variables or paths
 * (a REST path holds customer ids).
 *
 * Built only when traces are configured: without them no span, scope or wrapper exists, and
 * requests go through none of this.
 */
export class Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;

  constructor(config: TracingConfig) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName }),
      sampler: sampler(config.sampler),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
    });
    this.tracer = this.provider.getTracer('customers-gateway');
  }

  /** Starts the request's span (a child of the caller's traceparent, if any) and ends it when the response is done. */
  requestSpans(): RequestHandler {
    return (req, res, next) => {
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const span = this.tracer.startSpan(
        req.method,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, [REQUEST_ID_ATTRIBUTE]: res.locals.requestId } },
        parent,
      );
      res.locals.trace = { requestId: res.locals.requestId, request: span, operation: undefined };
      res.once('close', () => {
        const { route } = res.locals;
        if (route) {
          span.updateName(`${req.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('http.response.status_code', res.statusCode);
        if (!res.writableFinished) span.setAttribute('http.request.aborted', true);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      next();
    };
  }

  /** A span for an operation of the request (GraphQL or REST), the parent of its database calls. */
  startOperation(scope: TraceScope, name: string, attributes: Attributes): Span {
    const span = this.tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, attributes: { ...attributes, [REQUEST_ID_ATTRIBUTE]: scope.requestId } },
      trace.setSpan(ROOT_CONTEXT, scope.request),
    );
    scope.operation = span;
    return span;
  }

  /** Ends an operation's span with its outcome code (`OK` or the error's code). */
  endOperation(scope: TraceScope, span: Span, code: string): void {
    span.setAttribute('gateway.outcome', code);
    if (code !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    span.end();
    if (scope.operation === span) scope.operation = undefined;
  }

  /**
   * The request's view of the database: each call a span under the running operation (or the
   * request, for the API key lookup), named by the SQL function, with no argument values.
   */
  database(db: Database, scope: TraceScope): Database {
    const tracer = this.tracer;
    return {
      get kind() {
        return db.kind;
      },
      async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
        const span = tracer.startSpan(
          `db ${fn}`,
          {
            kind: SpanKind.CLIENT,
            attributes: { 'db.system.name': db.kind === 'supabase' ? 'supabase' : 'postgresql', 'db.operation.name': fn, 'gateway.db.backend': db.kind, [REQUEST_ID_ATTRIBUTE]: scope.requestId },
          },
          trace.setSpan(ROOT_CONTEXT, scope.operation ?? scope.request),
        );
        try {
          return await db.rpc<R>(fn, args);
        } catch (error) {
          // the kind and code only: a driver's message can hold SQL and customer data
          const kind = error instanceof DatabaseError ? error.kind : 'other';
          span.setAttribute('gateway.db.error', kind);
          if (error instanceof DatabaseError && error.code) span.setAttribute('db.response.status_code', error.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
          throw error;
        } finally {
          span.end();
        }
      },
      usage: db.usage?.bind(db),
      ping: () => db.ping(),
      close: () => db.close(),
    };
  }

  /**
   * Exports the spans still buffered, then stops (graceful shutdown). An unreachable collector
   * gets `timeoutMs`, not the exporter's own timeouts: the shutdown must not run past
   * SHUTDOWN_TIMEOUT_MS because of traces. Resolves whether or not the export finished.
   */
  async shutdown(timeoutMs = FLUSH_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.provider.shutdown().then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

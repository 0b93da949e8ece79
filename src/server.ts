import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { Authenticator } from './auth/authenticator';
import type { Config } from './config';
import type { GraphQLContext } from './context';
import { createContextFactory } from './context';
import type { Database } from './db/database';
import { ErrorCode, formatError, HTTP_STATUS, reportInternal } from './errors';
import { answerMalformedRequests, MAX_HEADER_BYTES } from './http/client-error';
import { bodyTimeout, isClientAbort } from './http/body-timeout';
import { corsPolicy } from './http/cors';
import { bodyErrorOf, jsonBody } from './http/json-body';
import { requestLog } from './http/request-id';
import { queryEncodingProblem } from './http/url-encoding';
import type { Logger } from './logger';
import { errorScope, noStore, requireApiKey } from './plugins';
import { observedDatabase } from './db/observed';
import { GatewayMetrics } from './observability/metrics';
import type { MetricsServer } from './observability/metrics-endpoint';
import { METRICS_PATH, metricsServer, serveMetrics } from './observability/metrics-endpoint';
import { OperationObserver } from './observability/operations';
import { Tracing } from './observability/tracing';
import { RestError, sendRestError } from './rest/rest-error';
import { createRestRouter } from './rest/router';
import { buildGatewaySchema } from './schema';
import { applySubgraphSdlPolicy } from './federation/service-sdl';
import { createLimits } from './limits';
import { pagesRouter } from './pages/explorer';
import { KeyOffer } from './pages/offer';
import { sandboxKeyScope, sandboxLandingPage } from './pages/sandbox';
import { OPENAPI_PATH } from './rest/openapi';
import { CursorCodec } from './paging/cursor';
import { cursorSecret } from './paging/cursor-secret';
import { persistedOperationNames, trustedDocuments } from './persisted/trusted-documents';

export interface ServerDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /**
   * The demo data's key (test environment), when the gateway runs on its embedded demo data:
   * in development, the pages served to a browser on this machine start with it.
   */
  demoKey?: string;
}

export interface GatewayServer {
  readonly app: express.Express;
  readonly httpServer: http.Server;
  /** Starts listening (and on METRICS_PORT, when set); resolves with the main port's bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops taking requests, lets in-flight ones finish, and closes the HTTP server. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

function jsonError(res: Response, code: ErrorCode | 'BAD_REQUEST' | 'NOT_FOUND', message: string, httpStatus?: number): void {
  // BAD_REQUEST is Apollo's own code for a malformed HTTP request; a body error keeps the
  // status body-parser gave it.
  const status = httpStatus ?? (code === 'BAD_REQUEST' ? 400 : HTTP_STATUS[code]);
  res.status(status).json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId } }] });
}

async function databaseAnswers(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([db.ping().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the whole HTTP gateway without listening, so tests and `main` share it. */
export async function createServer({ config, db, logger, demoKey }: ServerDeps): Promise<GatewayServer> {
  const app = express();
  app.disable('x-powered-by');
  // Answers are POSTs of one tenant's data marked no-store: an ETag (a hash of every response
  // body, 20 kB for a page of 50) could never be used for a 304, only computed. REST sends a
  // customer's version as its ETag itself (src/rest/conditions.ts).
  app.set('etag', false);
  // A hop count or the proxies' addresses (src/config.ts), never "trust every hop".
  app.set('trust proxy', Array.isArray(config.trustProxy) ? [...config.trustProxy] : config.trustProxy);
  const httpServer = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app);
  // Requests the HTTP parser refuses get an answer with a body, and a graceful close.
  answerMalformedRequests(httpServer, logger);
  // Slow or idle clients must not hold connections forever.
  httpServer.headersTimeout = 15_000;
  // Node's own limit on receiving a whole request sits above BODY_TIMEOUT_MS, so the gateway's
  // 408 (with a body saying what happened) is the answer a slow client gets.
  httpServer.requestTimeout = config.bodyTimeoutMs + 5_000;
  httpServer.keepAliveTimeout = 5_000;

  // Metrics in a registry of this gateway's; every database call timed by its function's name.
  // With a persisted-documents manifest, its operations are the only names labelled as they are.
  const metrics = new GatewayMetrics({ database: db, operationNames: persistedOperationNames(config) });
  const database = observedDatabase(db, metrics);
  // Traces only when an OTLP endpoint is configured: otherwise no span is ever made.
  const tracing = config.tracing ? new Tracing(config.tracing) : undefined;
  const operations = new OperationObserver(metrics, tracing);
  const authenticator = new Authenticator(database, config.authCacheTtlSeconds);
  // Rate limits (per tenant, shared over Redis when configured), query cost, auth failures.
  const limits = await createLimits(config, logger, metrics);
  // The pages (Sandbox, explorer, REST docs) offer the demo key in development only.
  const offeredDemoKey = config.production ? undefined : demoKey;
  const keyOffer = new KeyOffer(offeredDemoKey);
  const apollo = new ApolloServer<GraphQLContext>({
    // The subgraph SDL follows FEDERATION_SDL in production; then the rate limits go on the root fields.
    schema: limits.apply(applySubgraphSdlPolicy(await buildGatewaySchema(), config)),
    formatError,
    introspection: config.introspection,
    // Without introspection the schema is private: no "Did you mean ...?" suggestions either.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM: drain, then close the database, then exit.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries are kept in a size-bounded LRU, never an unbounded map.
    cache: 'bounded',
    includeStacktraceInErrorResponses: false,
    // Backs up the query text guard (src/limits/document.ts), which refuses first with its own message.
    parseOptions: { maxTokens: config.queryCaps.tokens },
    logger: { debug: () => undefined, info: () => undefined, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      config.production ? ApolloServerPluginLandingPageDisabled() : sandboxLandingPage(offeredDemoKey),
      // No cache hints are used, so the per-field cache-control work is skipped (see noStore).
      ApolloServerPluginCacheControlDisabled(),
      // Apollo turns on federated tracing for a subgraph: any caller sending
      // `apollo-federation-include-trace: ftv1` would get per-field timings, hooked on every
      // field like cache control. Nothing here reports to Apollo GraphOS, so it stays off.
      ApolloServerPluginInlineTraceDisabled(),
      noStore,
      // Before requireApiKey: an operation over a limit is refused the same with or without a key.
      ...limits.plugins,
      requireApiKey,
      // The operation log line, the request log's operation fields, metrics and the operation span.
      operations.plugin(),
      errorScope,
    ],
  });
  await apollo.start();
  const { mode, manifest } = config.persistedDocuments;
  if (mode !== 'off') logger.info({ mode, documents: manifest?.size ?? 0 }, 'trusted documents (PERSISTED_DOCUMENTS)');

  app.use(requestLog(logger));
  // Before the request spans: a scrape is not a request of the API.
  if (config.metrics.serve === 'main') {
    const scrape = serveMetrics(metrics, config.metrics.token, logger);
    app.get(METRICS_PATH, (req, res) => scrape(req, res));
  } else if (config.metrics.serve === 'off') {
    logger.warn('metrics are not served: in production /metrics needs METRICS_TOKEN (bearer) on this port, or METRICS_PORT for a port of their own');
  }
  if (tracing) app.use(tracing.requestSpans());
  app.use(bodyTimeout(config.bodyTimeoutMs));
  // GraphQL over GET and REST alike: malformed escapes are refused, never decoded to U+FFFD.
  app.use((req, res, next) => {
    const problem = queryEncodingProblem(req.url);
    if (!problem) next();
    else if (req.path.startsWith('/graphql')) jsonError(res, 'BAD_REQUEST', problem, 400);
    else sendRestError(res, RestError.badRequest([problem]));
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    if (await databaseAnswers(db)) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable' });
  });

  // One context factory for /graphql and the REST routes: same authentication and tenancy.
  const contextFor = createContextFactory({
    db: database,
    authenticator,
    authFailures: limits.authFailures,
    cursors: new CursorCodec(cursorSecret(config)),
    authFailed: (reason) => metrics.authFailed(reason),
    tracing,
  });

  // Browsers may call only from CORS_ORIGINS, GraphQL and REST alike.
  const cors = corsPolicy(config.corsOrigins);
  app.use(
    '/graphql',
    (_req, res, next) => {
      res.locals.route = '/graphql';
      next();
    },
    ...cors,
    sandboxKeyScope(keyOffer),
    jsonBody(config.bodyLimitBytes),
    // A documentId becomes its trusted text; PERSISTED_DOCUMENTS=require refuses other texts here.
    trustedDocuments({ ...config.persistedDocuments, introspection: config.introspection, maxTokens: config.queryCaps.tokens }),
    limits.queryTextGuard,
    expressMiddleware(apollo, {
      context: ({ req, res }) => contextFor(req, res),
    }),
  );
  // GraphiQL and the REST docs, from local packages (no CDN): they work offline.
  app.use(pagesRouter({ offer: keyOffer, graphqlPath: '/graphql', openApiPath: OPENAPI_PATH }));
  // The original REST API (src/rest): the same context, services and limits as /graphql.
  app.use(...cors, createRestRouter({ contextFor, limits, bodyLimitBytes: config.bodyLimitBytes, operations }));

  app.use((_req, res) => jsonError(res, ErrorCode.NOT_FOUND, 'No such route: GraphQL is served at /graphql'));
  // Errors before GraphQL runs: the body could not be read (too large, not JSON, corrupt encoding).
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // Already answered (408 for a body too slow): the parser's complaint has nobody to go to.
    if (res.headersSent) return;
    // The client went away: nobody to answer, and nothing wrong on this side.
    if (isClientAbort(error)) {
      res.locals.log.info('client closed the connection before its request body arrived');
      return;
    }
    const body = bodyErrorOf(error, config.bodyLimitBytes, req.headers['content-encoding']);
    const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
    if (body) {
      jsonError(res, body.code, body.message, body.status);
    } else if (typeof status === 'number' && status >= 400 && status < 500) {
      // another client error express raised itself, with its status
      jsonError(res, 'BAD_REQUEST', 'The request is malformed', status);
    } else {
      reportInternal(error, res.locals, 'unhandled HTTP error');
      jsonError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
    }
  });

  const metricsPort: MetricsServer | undefined = config.metrics.serve === 'port' ? metricsServer(metrics, config.metrics.token, logger) : undefined;
  return {
    app,
    httpServer,
    listen: async (port, host) => {
      if (metricsPort && config.metrics.serve === 'port') await metricsPort.listen(config.metrics.port, host);
      return new Promise<AddressInfo>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    stop: async () => {
      await apollo.stop();
      // After the last request: the rate-limit store (Redis connection) is no longer needed.
      await limits.close();
      await metricsPort?.close();
      // The spans still buffered are exported before the process exits (for at most a few seconds).
      if (tracing && !(await tracing.shutdown())) logger.warn('traces: the last spans could not be exported before the shutdown');
    },
  };
}

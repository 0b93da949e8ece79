import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import express from 'express';
import type { ContextFactory } from '../context';
import { bodyErrorOf, jsonBody } from '../http/json-body';
import { isClientAbort } from '../http/body-timeout';
import type { Limits } from '../limits';
import type { OperationObserver } from '../observability/operations';
import { jsonText } from './json';
import { openApiDocument, OPENAPI_PATH } from './openapi';
import { RestError, restErrorOf, sendRestError } from './rest-error';
import type { RestRoute } from './routes';
import { CUSTOMER_ROUTES } from './routes';

export interface RestDeps {
  /** The context factory /graphql uses: the same authentication and tenancy. */
  readonly contextFor: ContextFactory;
  /** The same cost limit and rate-limit budgets as /graphql. */
  readonly limits: Pick<Limits, 'admit'>;
  readonly bodyLimitBytes: number;
  /** Each route's request counted (metrics), reported (request log) and, with traces, a span. */
  readonly operations: Pick<OperationObserver, 'rest'>;
}

function handlerFor(deps: RestDeps, route: RestRoute): RequestHandler {
  return async (req, res) => {
    const done = deps.operations.rest(res, route);
    let served;
    try {
      const context = await deps.contextFor(req, res);
      // The one gate, before the body or query is looked at: 401 comes before 400.
      context.requireTenant();
      served = await route.serve(req, async (cost) => {
        const admission = { mutation: route.method !== 'get', cost, field: route.operationId };
        await deps.limits.admit(context, admission, (name, value) => res.setHeader(name, value));
        return context.customers();
      });
    } catch (error) {
      done(error);
      throw error;
    }
    done();
    const { body, location, etag } = served;
    if (location) res.location(location);
    // A GET whose If-None-Match names this ETag is answered 304 by res.send (express's req.fresh).
    if (etag) res.setHeader('ETag', etag);
    res.status(route.success.status).type('json').send(jsonText(body));
  };
}

/** `/customers/:id` as a matcher, for telling an unknown method from an unknown path. */
function matcher(path: string): RegExp {
  return new RegExp(`^${path.replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`);
}

function methodNotAllowed(routes: readonly RestRoute[]): RequestHandler {
  const paths = [...new Set([OPENAPI_PATH, ...routes.map((route) => route.path)])].map((path) => ({
    pattern: matcher(path),
    methods: [...(path === OPENAPI_PATH ? ['get'] : []), ...routes.filter((route) => route.path === path).map((route) => route.method)],
  }));
  return (req, res, next) => {
    const known = paths.find((entry) => entry.pattern.test(req.path));
    if (!known) return next();
    const allowed = [...new Set(known.methods.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()])))];
    sendRestError(res, new RestError(405, `Method ${req.method} is not allowed on ${req.path}`, { Allow: allowed.join(', ') }));
  };
}

function property(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null && name in error ? (error as Record<string, unknown>)[name] : undefined;
}

/**
 * Everything that fails inside the router, in the seed's error shape: the body parser's own
 * errors here, the rest through the one code table (restErrorOf). Only our bugs are 500s.
 */
function errorHandler(bodyLimitBytes: number) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    // The client went away: nobody to answer, and nothing wrong on this side.
    if (isClientAbort(error)) return void res.locals.log.info('client closed the connection before its request body arrived');
    const body = bodyErrorOf(error, bodyLimitBytes, req.headers['content-encoding']);
    if (body) return sendRestError(res, body.status === 400 ? RestError.badRequest([body.restMessage]) : new RestError(body.status, body.restMessage));
    // Other client errors express raises itself, e.g. a path parameter that is not valid %-encoding.
    const status = property(error, 'status');
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendRestError(res, status === 400 ? RestError.badRequest(['the request is malformed']) : new RestError(status, 'Bad request'));
    }
    sendRestError(res, restErrorOf(error, res.locals));
  };
}

/**
 * The original Customers REST API. Every route comes from CUSTOMER_ROUTES, which also builds
 * the OpenAPI document served at /openapi.json. Bodies are parsed only on the routes that take
 * one, so other paths fall through to the app's 404 untouched.
 */
export function createRestRouter(deps: RestDeps): Router {
  const router = express.Router();
  const document = openApiDocument(CUSTOMER_ROUTES);
  router.get(OPENAPI_PATH, (_req, res) => {
    res.json(document);
  });
  const json = jsonBody(deps.bodyLimitBytes);
  for (const route of CUSTOMER_ROUTES) {
    const handlers: RequestHandler[] = route.body ? [json, handlerFor(deps, route)] : [handlerFor(deps, route)];
    router[route.method](route.path, ...handlers);
  }
  router.use(methodNotAllowed(CUSTOMER_ROUTES));
  router.use(errorHandler(deps.bodyLimitBytes));
  return router;
}

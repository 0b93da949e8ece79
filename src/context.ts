import type { Request, Response } from 'express';
import { presentedKey } from './auth/authenticator';
import type { Authenticator } from './auth/authenticator';
import type { Tenant } from './auth/tenant';
import { CustomerService } from './customers/customer.service';
import { UnauthenticatedError } from './errors';
import type { Database } from './db/database';
import type { AuthFailureLimiter } from './limits/auth-failures';
import { limitConcurrency } from './limits/db-concurrency';
import type { Logger } from './logger';
import type { AuthFailureReason } from './observability/metrics';
import type { OperationReport } from './observability/operations';
import type { TraceScope, Tracing } from './observability/tracing';
import type { CursorCodec } from './paging/cursor';

/** What every request is served with, GraphQL and REST alike. */
export interface GraphQLContext {
  readonly requestId: string;
  readonly log: Logger;
  /** The caller's tenant; undefined when the key was missing or refused (see requireTenant). */
  readonly tenant: Tenant | undefined;
  /** The client's address (express's req.ip, which follows TRUST_PROXY), for per-address limits. */
  readonly clientAddress: string;
  /** The one gate: the caller's tenant, or throws why the caller is refused (401, 429, 503). */
  requireTenant(): Tenant;
  /** The tenant's customer service (repository and per-request loaders); gated by requireTenant. */
  customers(): CustomerService;
  /** The request's spans, when traces are on. */
  readonly trace: TraceScope | undefined;
  /** Where the operation's name, type and outcome go for the request log line (res.locals). */
  readonly report: OperationReport;
}

/** Makes a request's context: the one factory /graphql and the REST routes share. */
export type ContextFactory = (req: Request, res: Response) => Promise<GraphQLContext>;

export interface ContextDeps {
  readonly db: Database;
  readonly authenticator: Authenticator;
  readonly authFailures: AuthFailureLimiter;
  /** Seals and opens the connection and change-feed cursors. */
  readonly cursors: CursorCodec;
  /** Told once per request refused for its key (the metrics count it). */
  readonly authFailed: (reason: AuthFailureReason) => void;
  /** When traces are on: each request's database calls become spans of it. */
  readonly tracing?: Tracing;
}

/**
 * The one place that decides who the caller is: the presented key, checked by the
 * authenticator, with invalid keys counted per client address (req.ip honours TRUST_PROXY) and
 * refused past AUTH_FAILURE_LIMIT before the key is looked up. A refusal is kept, not thrown:
 * a pure introspection query needs no key, so the gates decide when to raise it.
 */
export function createContextFactory({ db, authenticator, authFailures, cursors, authFailed, tracing }: ContextDeps): ContextFactory {
  return async (req, res) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const { trace } = res.locals;
    // With traces on, this request's database calls (the key lookup too) are spans of it.
    const requestDb = trace && tracing ? tracing.database(db, trace) : undefined;
    const outcome = await authFailures.authenticate(address, presentedKey(req.headers), authenticator, requestDb).then(
      (tenant) => ({ tenant, refusal: undefined }),
      (refusal: unknown) => ({ tenant: undefined, refusal }),
    );
    // for the request log (src/http/request-id.ts)
    res.locals.tenant = outcome.tenant;
    return requestContext({ db: requestDb ?? db, cursors, scope: res.locals, clientAddress: address, outcome, authFailed });
  };
}

interface RequestParts {
  db: Database;
  cursors: CursorCodec;
  /** res.locals: the request's id, logger and spans, and where its operation is reported. */
  scope: { requestId: string; log: Logger; trace?: TraceScope } & OperationReport;
  clientAddress: string;
  outcome: { tenant: Tenant | undefined; refusal: unknown };
  authFailed: (reason: AuthFailureReason) => void;
}

function requestContext({ db, cursors, scope, clientAddress, outcome, authFailed }: RequestParts): GraphQLContext {
  const { tenant, refusal } = outcome;
  // The service is bound to the tenant, so no resolver or route can reach the database without
  // its organization and environment; its loaders live as long as the request.
  let service: CustomerService | undefined;
  let counted = false;
  const requireTenant = (): Tenant => {
    if (tenant) return tenant;
    if (!counted && refusal instanceof UnauthenticatedError) {
      counted = true;
      authFailed(refusal.missingKey ? 'missing_key' : 'invalid_key');
    }
    throw refusal;
  };
  return {
    requestId: scope.requestId,
    log: scope.log,
    tenant,
    clientAddress,
    requireTenant,
    // At most DB_CALLS_PER_REQUEST database calls of this request run at once.
    customers: () => (service ??= CustomerService.forTenant(limitConcurrency(db), requireTenant(), cursors)),
    trace: scope.trace,
    report: scope,
  };
}

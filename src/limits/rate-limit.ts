import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { extendSchema, GraphQLSchema as Schema, parse } from 'graphql';
import { rateLimitDirective } from 'graphql-rate-limit-directive';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import type { GraphQLContext } from '../context';
import { RateLimitedError, secondsUntil } from './errors';
import type { RefusalObserver } from './index';
import type { LimiterStore } from './store';

/** One budget as a client sees it. */
export interface BudgetState {
  readonly limit: number;
  readonly remaining: number;
  readonly msBeforeReset: number;
}

/** What the rate limiter saw during one request. */
interface RequestState {
  /** The budget closest to exhaustion among those the request spent from. */
  tightest?: BudgetState;
  /** Root fields (by response key) that went through a limiter, and those it refused. */
  readonly limited: Set<string>;
  readonly refused: Set<string>;
  retryAfterMs: number;
}

/** The outcome of a request, for headers and `extensions.rateLimit`. */
export interface RateLimitOutcome {
  readonly budget: BudgetState;
  /** Every limited root field was refused: the whole request answers 429. */
  readonly allRefused: boolean;
  readonly retryAfterSeconds: number;
}

const TENANT_DIRECTIVE = 'rateLimit';
const MUTATION_DIRECTIVE = 'mutationRateLimit';

/** All keys of an organization's environment share one budget: never one global bucket. */
export function tenantKey(context: GraphQLContext): string {
  const tenant = context.requireTenant();
  return `${tenant.organizationId}:${tenant.environment}`;
}

function rootKey(info: GraphQLResolveInfo): string {
  return String(info.path.key);
}

function limitError(directive: string, limit: number, windowSeconds: number, response: RateLimiterRes): RateLimitedError {
  const what = directive === MUTATION_DIRECTIVE ? 'mutations' : 'root fields';
  const retry = secondsUntil(response.msBeforeNext);
  return new RateLimitedError(
    `Rate limit exceeded: this organization and environment may run ${limit} ${what} per ${windowSeconds} seconds. ` +
      `Retry in ${retry} seconds, or watch the RateLimit-Remaining header to slow down before the limit.`,
    retry,
    { limit, windowSeconds },
  );
}

/**
 * Per-tenant limits on root fields with graphql-rate-limit-directive. Every root field of an
 * operation counts one against `RATE_LIMIT_MAX` per window; mutations also count against the
 * stricter `RATE_LIMIT_MUTATION_MAX` when it is lower. Introspection (`__schema`, `__type`,
 * `__typename`) is not a field of Query, so it is never limited.
 */
export class TenantRateLimits {
  private readonly states = new WeakMap<GraphQLContext, RequestState>();
  readonly tenantPrefix: string;
  readonly mutationPrefix: string;

  constructor(
    private readonly config: Config['rateLimit'],
    private readonly store: LimiterStore,
    private readonly observer: RefusalObserver,
  ) {
    this.tenantPrefix = `${config.keyPrefix}:tenant`;
    this.mutationPrefix = `${config.keyPrefix}:mutation`;
  }

  private get limitsMutations(): boolean {
    return this.config.mutationMax < this.config.max;
  }

  /**
   * The schema with the directives applied to the root types and their resolvers wrapped.
   * The schema is built once per process and shared; this works on a copy (extendSchema),
   * so gateways with different limits can run side by side (as the tests do).
   */
  apply(schema: GraphQLSchema): GraphQLSchema {
    const tenant = this.directive(TENANT_DIRECTIVE, this.config.max, this.tenantPrefix);
    const mutation = this.directive(MUTATION_DIRECTIVE, this.config.mutationMax, this.mutationPrefix);
    const applications = [
      tenant.rateLimitDirectiveTypeDefs,
      ...(this.limitsMutations ? [mutation.rateLimitDirectiveTypeDefs] : []),
      `extend type ${schema.getQueryType()?.name ?? 'Query'} @${TENANT_DIRECTIVE}`,
      ...(schema.getMutationType()
        ? [`extend type ${schema.getMutationType()?.name ?? 'Mutation'} @${TENANT_DIRECTIVE}${this.limitsMutations ? ` @${MUTATION_DIRECTIVE}` : ''}`]
        : []),
    ];
    let limited = tenant.rateLimitDirectiveTransformer(extendSchema(schema, parse(applications.join('\n'))));
    if (this.limitsMutations) limited = mutation.rateLimitDirectiveTransformer(limited);
    // The directives are server configuration (their defaults carry this deployment's numbers),
    // not API: drop their definitions so the served schema stays the committed SDL.
    const config = limited.toConfig();
    return new Schema({ ...config, directives: config.directives.filter((d) => d.name !== TENANT_DIRECTIVE && d.name !== MUTATION_DIRECTIVE) });
  }

  private directive(name: string, limit: number, keyPrefix: string) {
    return rateLimitDirective<GraphQLContext>({
      name,
      defaultLimit: String(limit),
      defaultDuration: String(this.config.windowSeconds),
      keyGenerator: (_args, _source, _fieldArgs, context) => tenantKey(context),
      setState: (response, args, _source, _fieldArgs, context, info) => this.record(context, rootKey(info), args.limit, response),
      onLimit: (response, args, _source, _fieldArgs, context, info) => {
        this.refuse(context, rootKey(info), response);
        this.observer.refused(name === MUTATION_DIRECTIVE ? 'mutation' : 'tenant');
        throw limitError(name, args.limit, args.duration, response);
      },
      limiterClass: this.store.limiterClass,
      limiterOptions: { keyPrefix },
    });
  }

  /**
   * Spends one root field from the caller's budgets outside GraphQL: a REST route is one root
   * field, against the very limiters the directives use, in the same order (mutations first).
   */
  async spend(context: GraphQLContext, mutation: boolean, field: string): Promise<void> {
    const key = tenantKey(context);
    const budgets: [string, string, number][] = [
      ...(mutation && this.limitsMutations ? [[MUTATION_DIRECTIVE, this.mutationPrefix, this.config.mutationMax] as [string, string, number]] : []),
      [TENANT_DIRECTIVE, this.tenantPrefix, this.config.max],
    ];
    for (const [name, prefix, limit] of budgets) {
      const limiter = this.store.find(prefix);
      if (!limiter) throw new Error(`rate limits: no limiter for ${prefix} (apply() builds them)`);
      let response: RateLimiterRes;
      try {
        response = await limiter.consume(key, 1);
      } catch (refused) {
        if (refused instanceof Error) throw refused;
        const spent = refused as RateLimiterRes;
        this.record(context, field, limit, spent);
        this.refuse(context, field, spent);
        this.observer.refused(name === MUTATION_DIRECTIVE ? 'mutation' : 'tenant');
        throw limitError(name, limit, this.config.windowSeconds, spent);
      }
      this.record(context, field, limit, response);
    }
  }

  private state(context: GraphQLContext): RequestState {
    let state = this.states.get(context);
    if (!state) {
      state = { limited: new Set(), refused: new Set(), retryAfterMs: 0 };
      this.states.set(context, state);
    }
    return state;
  }

  private record(context: GraphQLContext, field: string, limit: number, response: RateLimiterRes): void {
    const state = this.state(context);
    state.limited.add(field);
    const budget: BudgetState = { limit, remaining: response.remainingPoints, msBeforeReset: response.msBeforeNext };
    const tightest = state.tightest;
    if (!tightest || budget.remaining < tightest.remaining || (budget.remaining === tightest.remaining && budget.msBeforeReset > tightest.msBeforeReset)) {
      state.tightest = budget;
    }
  }

  private refuse(context: GraphQLContext, field: string, response: RateLimiterRes): void {
    const state = this.state(context);
    state.refused.add(field);
    state.retryAfterMs = Math.max(state.retryAfterMs, response.msBeforeNext);
  }

  /** The request's outcome, when it spent from a budget (synchronous: the status is set at once). */
  recorded(context: GraphQLContext): RateLimitOutcome | undefined {
    const state = this.states.get(context);
    if (!state?.tightest) return undefined;
    const allRefused = state.refused.size > 0 && [...state.limited].every((key) => state.refused.has(key));
    return { budget: state.tightest, allRefused, retryAfterSeconds: secondsUntil(state.retryAfterMs) };
  }

  /** For a request that spent nothing (refused before execution, introspection): the budget as it stands. */
  async current(context: GraphQLContext, mutation: boolean): Promise<RateLimitOutcome> {
    const key = tenantKey(context);
    const budgets = [await this.peek(this.tenantPrefix, this.config.max, key)];
    if (mutation && this.limitsMutations) budgets.push(await this.peek(this.mutationPrefix, this.config.mutationMax, key));
    const budget = budgets.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    return { budget, allRefused: false, retryAfterSeconds: 0 };
  }

  private async peek(prefix: string, limit: number, key: string): Promise<BudgetState> {
    const fresh: BudgetState = { limit, remaining: limit, msBeforeReset: this.config.windowSeconds * 1000 };
    const limiter = this.store.find(prefix);
    if (!limiter) return fresh;
    // Reading a budget is informational: if the store fails, show a fresh one rather than fail.
    const seen = await limiter.get(key).catch(() => null);
    if (!seen) return fresh;
    return { limit, remaining: Math.max(0, limit - seen.consumedPoints), msBeforeReset: seen.msBeforeNext };
  }
}

import { isIP } from 'node:net';
import type { Manifest } from './persisted/manifest';
import { loadManifest, ManifestError } from './persisted/manifest';

/**
 * Configuration, read from the environment once, validated eagerly, returned frozen. A bad
 * value stops the process at start with a message naming the variable, never later.
 */
export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      /**
       * DB_POOL_MODE: `session` when DATABASE_URL reaches PostgreSQL directly or through a
       * pooler in session mode; `transaction` behind a pooler in transaction mode (PgBouncer
       * `pool_mode = transaction`, Supabase's pooler on port 6543), where a connection's session
       * state does not last past one transaction (src/db/pg-database.ts).
       */
      poolMode: PoolMode;
      /**
       * DATABASE_DIRECT_URL: a connection to PostgreSQL itself, not through a transaction-mode
       * pooler, for migrations and the admin CLI. Required with DB_POOL_MODE=transaction.
       */
      directUrl: string | undefined;
    }
  | { kind: 'supabase'; url: string; serviceRoleKey: string; timeoutMs: number };

export type PoolMode = 'session' | 'transaction';

export interface Config {
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  /** DATA_DIR: the embedded database's directory, and where the demo key file is written. */
  readonly dataDir: string;
  readonly statementTimeoutMs: number;
  readonly authCacheTtlSeconds: number;
  readonly logLevel: string;
  /** `pretty`: lines for a person; `json`: one JSON document a line; `auto`: pretty only in development at a terminal. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly corsOrigins: readonly string[];
  readonly introspection: boolean;
  /**
   * FEDERATION_SDL: serve `_service { sdl }` (the subgraph schema a router composes) in
   * production without turning introspection on. Outside production it is always served.
   */
  readonly federationSdl: boolean;
  readonly seedDemo: boolean;
  readonly demoCustomers: number;
  readonly apiKeyPrefix: string;
  readonly rateLimit: {
    readonly max: number;
    readonly windowSeconds: number;
    readonly mutationMax: number;
    readonly redisUrl: string | undefined;
    readonly keyPrefix: string;
  };
  readonly maxQueryComplexity: number;
  readonly maxQueryDepth: number;
  /** Caps checked on the query text and document before validation (src/limits/document.ts). */
  readonly queryCaps: QueryCaps;
  /** Introspection requests without an API key, per client address per minute. */
  readonly introspectionRateLimit: number;
  readonly bodyLimitBytes: number;
  /** How long a request body may take to arrive before the request is closed with 408. */
  readonly bodyTimeoutMs: number;
  readonly authFailureLimit: number;
  /** What express's `trust proxy` is set to: false, a hop count, or proxy addresses and CIDRs. */
  readonly trustProxy: TrustProxy;
  readonly shutdownTimeoutMs: number;
  /**
   * CURSOR_SECRET: seals the connection and change-feed cursors (src/paging/cursor.ts), so
   * they stay valid across restarts and instances. Required in production; elsewhere, when
   * unset, a secret is made once and kept in DATA_DIR (src/paging/cursor-secret.ts).
   */
  readonly cursorSecret: string | undefined;
  /** PERSISTED_DOCUMENTS and its manifest (src/persisted/). */
  readonly persistedDocuments: PersistedDocumentsConfig;
  /** Prometheus metrics (docs/observability.md). */
  readonly metrics: MetricsConfig;
  /** OpenTelemetry traces, when an OTLP endpoint is configured (docs/observability.md). */
  readonly tracing: TracingConfig | undefined;
}

/**
 * `off`: any document runs (and automatic persisted queries); `allow`: also documents named by
 * their id in the manifest; `require`: only those (and introspection when it is on).
 */
export type PersistedDocumentsMode = 'off' | 'allow' | 'require';

export interface PersistedDocumentsConfig {
  readonly mode: PersistedDocumentsMode;
  /** PERSISTED_DOCUMENTS_MANIFEST, read and checked at start; required by allow and require. */
  readonly manifest: Manifest | undefined;
}

/**
 * Where /metrics is served: on its own port (METRICS_PORT, never on the main one), or on the
 * main port, behind `Authorization: Bearer <METRICS_TOKEN>` when a token is set (required for
 * it to be served there in production), or not at all.
 */
export type MetricsConfig =
  | { readonly serve: 'port'; readonly port: number; readonly token: string | undefined }
  | { readonly serve: 'main'; readonly token: string | undefined }
  | { readonly serve: 'off' };

export interface TracingConfig {
  /** Where spans are posted (OTLP/HTTP, JSON): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly tracesUrl: string;
  /** OTEL_SERVICE_NAME: the `service.name` of every span. */
  readonly serviceName: string;
  /** OTEL_TRACES_SAMPLER and its ratio (OTEL_TRACES_SAMPLER_ARG, for the ratio samplers). */
  readonly sampler: { readonly name: TraceSampler; readonly ratio: number };
}

export const TRACE_SAMPLERS = ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio', 'always_on', 'always_off', 'traceidratio'] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

function traceSampler(env: Env): TracingConfig['sampler'] {
  const name = value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  if (!(TRACE_SAMPLERS as readonly string[]).includes(name)) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')} (got "${name}")`);
  }
  const rawRatio = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  const ratio = rawRatio === undefined ? 1 : Number(rawRatio);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 (got "${rawRatio}")`);
  return Object.freeze({ name: name as TraceSampler, ratio });
}

export type TrustProxy = false | number | readonly string[];

export interface QueryCaps {
  readonly tokens: number;
  readonly aliases: number;
  readonly directives: number;
  readonly fragmentSpreads: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return parsed;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function proxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY as express accepts it, never "trust every hop" (which would let a client name its
 * own address in X-Forwarded-For): false; a number of proxy hops in front of the gateway (`true`
 * means one); or the proxies' addresses, CIDRs or express's names (loopback, linklocal,
 * uniquelocal), comma-separated.
 */
function trustProxy(env: Env): TrustProxy {
  const raw = value(env, 'TRUST_PROXY');
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['false', 'no', '0'].includes(lower)) return false;
  if (['true', 'yes'].includes(lower)) return 1;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError(`TRUST_PROXY as a hop count must be from 0 to 10 (got "${raw}")`);
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !proxyAddress(entry));
  if (entries.length === 0 || bad.length > 0) {
    throw new ConfigError(
      `TRUST_PROXY must be false, true (one proxy), a number of proxy hops, or proxy addresses/CIDRs such as 10.0.0.0/8,loopback (not understood: "${bad.join(', ') || raw}")`,
    );
  }
  return Object.freeze(entries);
}

/** Sizes such as 100kb, 1mb or a number of bytes. */
function bytes(env: Env, name: string, fallback: number): number {
  const raw = value(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be a size such as 100kb or 1mb (got "${raw}")`);
  const size = Number(match[1]) * (match[2] === 'mb' ? 1024 * 1024 : match[2] === 'kb' ? 1024 : 1);
  if (size < 1024 || size > 50 * 1024 * 1024) throw new ConfigError(`${name} must be between 1kb and 50mb`);
  return size;
}

/** At least 32 characters (e.g. `openssl rand -hex 32`); required in production. */
function cursorSecret(env: Env, production: boolean): string | undefined {
  const secret = value(env, 'CURSOR_SECRET');
  if (secret === undefined) {
    if (production) {
      throw new ConfigError(
        'CURSOR_SECRET is required in production: set it to the same random value (at least 32 characters, e.g. `openssl rand -hex 32`) on every instance, so paging cursors stay valid across restarts and instances',
      );
    }
    return undefined;
  }
  if (secret.length < 32) throw new ConfigError(`CURSOR_SECRET must be at least 32 characters long (got ${secret.length}); e.g. \`openssl rand -hex 32\``);
  return secret;
}

/**
 * PERSISTED_DOCUMENTS and PERSISTED_DOCUMENTS_MANIFEST. The manifest is read and every entry's id
 * checked against its text here, so a bad one stops the start rather than refusing apps later.
 */
function persistedDocuments(env: Env): PersistedDocumentsConfig {
  const mode = value(env, 'PERSISTED_DOCUMENTS')?.toLowerCase() ?? 'off';
  if (mode !== 'off' && mode !== 'allow' && mode !== 'require') {
    throw new ConfigError(`PERSISTED_DOCUMENTS must be off, allow or require (got "${mode}")`);
  }
  const file = value(env, 'PERSISTED_DOCUMENTS_MANIFEST');
  if (file === undefined) {
    if (mode !== 'off') {
      throw new ConfigError(
        `PERSISTED_DOCUMENTS=${mode} needs PERSISTED_DOCUMENTS_MANIFEST: the path of the persisted-documents.json the client preset of GraphQL Code Generator writes`,
      );
    }
    return Object.freeze({ mode, manifest: undefined });
  }
  try {
    return Object.freeze({ mode, manifest: loadManifest(file) });
  } catch (error) {
    if (error instanceof ManifestError) throw new ConfigError(`PERSISTED_DOCUMENTS_MANIFEST ${file} ${error.message}`);
    throw error;
  }
}

/** A bearer token of at least 16 printable characters without spaces (e.g. `openssl rand -hex 32`). */
function metricsToken(env: Env): string | undefined {
  const token = value(env, 'METRICS_TOKEN');
  if (token === undefined) return undefined;
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 printable characters without spaces (e.g. `openssl rand -hex 32`)');
  }
  return token;
}

/**
 * METRICS_PORT serves /metrics on a port of its own (the main port then has none). Without it,
 * /metrics is on the main port: in production only with METRICS_TOKEN, and otherwise not served
 * (404), since the process's figures are not for every client of the API.
 */
function metricsConfig(env: Env, production: boolean, mainPort: number): MetricsConfig {
  const token = metricsToken(env);
  if (value(env, 'METRICS_PORT') !== undefined) {
    const port = integer(env, 'METRICS_PORT', 0, 1, 65535);
    if (port === mainPort) throw new ConfigError(`METRICS_PORT must differ from PORT (both are ${port})`);
    return { serve: 'port', port, token };
  }
  if (production && token === undefined) return { serve: 'off' };
  return { serve: 'main', token };
}

function httpUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL such as http://collector:4318 (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL such as http://collector:4318 (got "${raw}")`);
  return url;
}

/**
 * Traces are on when an OTLP endpoint is configured (the standard variables: the signal's own
 * endpoint is used as it is, the general one gets /v1/traces appended) and OTEL_SDK_DISABLED is
 * not true. The exporter reads OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT and _COMPRESSION itself.
 */
function tracingConfig(env: Env): TracingConfig | undefined {
  if (flag(env, 'OTEL_SDK_DISABLED', false)) return undefined;
  const signal = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const general = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let tracesUrl: string;
  if (signal !== undefined) {
    tracesUrl = httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal).toString();
  } else if (general !== undefined) {
    const base = httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', general).toString();
    tracesUrl = base.endsWith('/') ? `${base}v1/traces` : `${base}/v1/traces`;
  } else {
    return undefined;
  }
  const protocol = value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/json') {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: the gateway exports traces as http/json only (got "${protocol}"); unset it or set http/json`);
  }
  const serviceName = value(env, 'OTEL_SERVICE_NAME') ?? 'customers-gateway';
  if (serviceName.length > 100) throw new ConfigError('OTEL_SERVICE_NAME must be at most 100 characters');
  return Object.freeze({ tracesUrl, serviceName, sampler: traceSampler(env) });
}

function databaseConfig(env: Env): DatabaseConfig {
  const databaseUrl = value(env, 'DATABASE_URL');
  const supabaseUrl = value(env, 'SUPABASE_URL');
  const supabaseKey = value(env, 'SUPABASE_SERVICE_ROLE_KEY');
  if (supabaseUrl && !supabaseKey) {
    throw new ConfigError('SUPABASE_URL is set but SUPABASE_SERVICE_ROLE_KEY is missing: set both to use Supabase, or neither');
  }
  if (supabaseKey && !supabaseUrl) {
    throw new ConfigError('SUPABASE_SERVICE_ROLE_KEY is set but SUPABASE_URL is missing: set both to use Supabase, or neither');
  }
  if (databaseUrl && supabaseUrl) {
    throw new ConfigError('DATABASE_URL and SUPABASE_URL are both set: choose one backend (PostgreSQL or Supabase)');
  }
  if (supabaseUrl && supabaseKey) {
    if (!/^https?:\/\//.test(supabaseUrl)) throw new ConfigError('SUPABASE_URL must be an http(s) URL');
    return { kind: 'supabase', url: supabaseUrl, serviceRoleKey: supabaseKey, timeoutMs: integer(env, 'SUPABASE_TIMEOUT_MS', 10000, 100, 120000) };
  }
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
    const poolMode = value(env, 'DB_POOL_MODE') ?? 'session';
    if (poolMode !== 'session' && poolMode !== 'transaction') {
      throw new ConfigError(`DB_POOL_MODE must be session (PostgreSQL itself, or a pooler in session mode) or transaction (a pooler in transaction mode) (got "${poolMode}")`);
    }
    const directUrl = value(env, 'DATABASE_DIRECT_URL');
    if (directUrl !== undefined && !/^postgres(ql)?:\/\//.test(directUrl)) throw new ConfigError('DATABASE_DIRECT_URL must be a postgres:// URL');
    if (poolMode === 'transaction' && directUrl === undefined) {
      throw new ConfigError(
        'DB_POOL_MODE=transaction needs DATABASE_DIRECT_URL: a connection to PostgreSQL itself (not through the pooler) for migrations, which hold a session lock, and for the admin CLI',
      );
    }
    return { kind: 'postgres', url: databaseUrl, poolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 200), poolMode, directUrl };
  }
  return { kind: 'pglite', dataDir: value(env, 'DATA_DIR') ?? '.data' };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = value(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const logLevel = value(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }
  const logFormat = value(env, 'LOG_FORMAT') ?? 'auto';
  if (logFormat !== 'auto' && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be auto, json or pretty (got "${logFormat}")`);
  }
  const apiKeyPrefix = value(env, 'API_KEY_PREFIX') ?? 'lomi';
  if (!/^[a-z][a-z0-9]{1,11}$/.test(apiKeyPrefix)) {
    throw new ConfigError('API_KEY_PREFIX must be 2-12 lower-case letters or digits, starting with a letter');
  }
  const rateLimitMax = integer(env, 'RATE_LIMIT_MAX', 5000, 1, 100_000_000);
  const port = integer(env, 'PORT', 4000, 0, 65535);
  return Object.freeze({
    production,
    host: value(env, 'HOST') ?? '0.0.0.0',
    port,
    database: Object.freeze(databaseConfig(env)),
    dataDir: value(env, 'DATA_DIR') ?? '.data',
    statementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    authCacheTtlSeconds: integer(env, 'AUTH_CACHE_TTL_SECONDS', 30, 0, 3600),
    logLevel,
    logFormat,
    corsOrigins: Object.freeze((value(env, 'CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean)),
    introspection: flag(env, 'GRAPHQL_INTROSPECTION', !production),
    federationSdl: flag(env, 'FEDERATION_SDL', false),
    seedDemo: flag(env, 'SEED_DEMO', false),
    demoCustomers: integer(env, 'DEMO_CUSTOMERS', 300, 0, 1_000_000),
    apiKeyPrefix,
    rateLimit: Object.freeze({
      max: rateLimitMax,
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 900, 1, 86_400),
      mutationMax: integer(env, 'RATE_LIMIT_MUTATION_MAX', rateLimitMax, 1, 100_000_000),
      redisUrl: value(env, 'REDIS_URL'),
      keyPrefix: value(env, 'RATE_LIMIT_PREFIX') ?? 'gateway:rl',
    }),
    // A query's cost is about the values its answer can hold (src/limits/complexity.ts). The
    // largest legal request, one page of 200 customers with 100 transactions each and every
    // field, costs 125,205 (145,407 with __typename everywhere, as Apollo Client asks); two
    // such pages cost about 250,000. 200,000 lets the one through and refuses the two.
    maxQueryComplexity: integer(env, 'MAX_QUERY_COMPLEXITY', 200_000, 10, 10_000_000),
    // graphql's getIntrospectionQuery() (codegen, Sandbox) nests 15 levels (its ofType chain);
    // domain queries nest at most 4. 20 keeps introspection working with room to spare.
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 20, 2, 100),
    // The full introspection query has 184 tokens, no alias, no directive and 6 fragment
    // spreads; the domain's largest operations stay far below these.
    queryCaps: Object.freeze({
      tokens: integer(env, 'MAX_QUERY_TOKENS', 5_000, 100, 1_000_000),
      aliases: integer(env, 'MAX_QUERY_ALIASES', 50, 0, 100_000),
      directives: integer(env, 'MAX_QUERY_DIRECTIVES', 50, 0, 100_000),
      fragmentSpreads: integer(env, 'MAX_QUERY_FRAGMENT_SPREADS', 200, 0, 100_000),
    }),
    introspectionRateLimit: integer(env, 'INTROSPECTION_RATE_LIMIT', 60, 1, 1_000_000),
    bodyLimitBytes: bytes(env, 'BODY_LIMIT', 100 * 1024),
    bodyTimeoutMs: integer(env, 'BODY_TIMEOUT_MS', 30_000, 100, 600_000),
    authFailureLimit: integer(env, 'AUTH_FAILURE_LIMIT', 100, 1, 1_000_000),
    trustProxy: trustProxy(env),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    cursorSecret: cursorSecret(env, production),
    persistedDocuments: persistedDocuments(env),
    metrics: Object.freeze(metricsConfig(env, production, port)),
    tracing: tracingConfig(env),
  });
}

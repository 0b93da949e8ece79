import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createApiKey } from '../../src/admin/admin';
import { loadConfig } from '../../src/config';
import type { Database, Row, RpcArgs, RpcFunction } from '../../src/db/database';
import type { SqlDatabase } from '../../src/db/sql-database';
import { createLogger } from '../../src/logger';
import type { GatewayServer } from '../../src/server';
import { createServer } from '../../src/server';
import { openTestDatabase } from './database';
import { filledLater } from './fixture';
import type { PostgrestStandin } from './postgrest-standin';
import { supabaseOverTestDatabase } from './postgrest-standin';
import type { EnvironmentName, TestTenant } from './tenants';
import { createTenant } from './tenants';

/**
 * Records each rpc call, then makes it on the real database. Not a mock: it is how tests count
 * database round trips (DataLoader batching, auth caching).
 */
export class CountingDatabase implements Database {
  readonly calls: { fn: RpcFunction; args: RpcArgs }[] = [];
  /** Calls running now, and the most that ran at once since `reset()`. */
  inFlight = 0;
  maxInFlight = 0;
  /**
   * `inner` is the test database (for direct SQL); `served` answers the gateway's calls: `inner`
   * itself, or the Supabase adapter over it (TEST_GATEWAY_BACKEND=supabase).
   */
  constructor(
    readonly inner: SqlDatabase,
    private readonly served: Database = inner,
  ) {}
  get kind() {
    return this.served.kind;
  }
  async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
    this.calls.push({ fn, args });
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.served.rpc<R>(fn, args);
    } finally {
      this.inFlight--;
    }
  }
  /** The backend's connection counts (the metrics' pool gauges read them through this). */
  usage() {
    return this.served.usage?.() ?? { inUse: 0, waiting: 0, open: 0 };
  }
  ping() {
    return this.served.ping();
  }
  close() {
    return this.served.close();
  }
  /** Names of the calls made since `reset()`. */
  names(): RpcFunction[] {
    return this.calls.map((call) => call.fn);
  }
  reset(): void {
    this.calls.length = 0;
    this.maxInFlight = this.inFlight;
  }
}

export interface GqlResponse<D = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: D | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> & { code?: string } }[];
    extensions?: Record<string, unknown>;
  };
}

/** A tenant with an API key of its environment. */
export type KeyedTenant = TestTenant & { key: string };

export interface TestGateway {
  url: string;
  db: CountingDatabase;
  server: GatewayServer;
  /** A new organization with a key for `environment`. */
  tenantWithKey(environment?: EnvironmentName): Promise<KeyedTenant>;
  /** A key for an existing organization. */
  keyFor(tenant: TestTenant, environment?: EnvironmentName, options?: { expiresAt?: Date }): Promise<string>;
  gql<D = Record<string, unknown>, V = Record<string, unknown>>(
    query: string | TypedDocumentNode<D, V>,
    variables?: V,
    options?: { key?: string; headers?: Record<string, string> },
  ): Promise<GqlResponse<D>>;
  close(): Promise<void>;
  /** With the Supabase backend: the PostgREST stand-in the adapter calls. */
  supabase?: PostgrestStandin;
}

/**
 * The real gateway over HTTP on a random local port, on the test database. `env` overrides the
 * configuration as environment variables would.
 */
export interface StartOptions {
  /** Serve from this database instead of the run's test database. */
  database?: SqlDatabase;
  /** Collects the gateway's JSON log lines (at info level) instead of dropping them. */
  logLines?: string[];
  /**
   * 'supabase' serves through the Supabase adapter and a PostgREST stand-in over the same
   * database (default: env TEST_GATEWAY_BACKEND; otherwise the SQL adapter directly).
   */
  backend?: 'supabase' | 'sql';
  /** The key `npm start` would pass for its demo data (pages offer it to loopback browsers). */
  demoKey?: string;
}

/** A DATA_DIR of this test process (it holds the generated cursor secret), not the project's .data. */
let processDataDir: string | undefined;
function testDataDir(): string {
  if (processDataDir === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), 'gateway-test-data-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    processDataDir = dir;
  }
  return processDataDir;
}

/** Production requires CURSOR_SECRET: the tests' production gateways share this one. */
export const TEST_CURSOR_SECRET = 'test-cursor-secret-0123456789abcdef0123456789abcdef';

export async function startGateway(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestGateway> {
  const sql = options.database ?? (await openTestDatabase());
  const supabase = (options.backend ?? process.env.TEST_GATEWAY_BACKEND) === 'supabase' ? await supabaseOverTestDatabase(sql, Number(env.SUPABASE_TIMEOUT_MS ?? 30_000)) : undefined;
  const db = new CountingDatabase(sql, supabase);
  const supabaseEnv = supabase ? { SUPABASE_URL: supabase.standin.url, SUPABASE_SERVICE_ROLE_KEY: supabase.standin.serviceRoleKey } : {};
  const production = env.NODE_ENV === 'production' ? { CURSOR_SECRET: TEST_CURSOR_SECRET } : {};
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: options.logLines ? 'info' : 'silent', DATA_DIR: testDataDir(), ...production, ...supabaseEnv, ...env });
  const logger = options.logLines
    ? createLogger(config.logLevel, { write: (line: string) => options.logLines?.push(line) })
    : createLogger(config.logLevel);
  const server = await createServer({ config, db, logger, demoKey: options.demoKey });
  const address = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;

  const keyFor: TestGateway['keyFor'] = async (tenant, environment = tenant.environment, options = {}) => {
    const key = await createApiKey(db.inner, { organizationId: tenant.organizationId, environment, prefix: config.apiKeyPrefix, expiresAt: options.expiresAt });
    return key.apiKey;
  };

  return {
    url,
    db,
    server,
    keyFor,
    supabase: supabase?.standin,
    async tenantWithKey(environment = 'test') {
      const tenant = await createTenant(db.inner, environment);
      return { ...tenant, key: await keyFor(tenant, environment) };
    },
    async gql(query, variables, options = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.key ? { 'x-api-key': options.key } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse['body'] } as GqlResponse<never>;
    },
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The fixture of the HTTP tests: in the file or describe block that calls it, beforeAll starts
 * the gateway (`startGateway(env, options)`) and makes a tenant with a key, afterAll closes it.
 * Both are filled in beforeAll: use them inside tests and hooks.
 */
export interface FixtureOptions extends StartOptions {
  /** The tenant's environment (default test). */
  environment?: EnvironmentName;
  /**
   * For tests that count database calls: the tenant's key is verified once (so it is cached)
   * and the count is reset before each test, so a test counts only its own request's calls.
   */
  countCalls?: boolean;
}

export function useGateway(env: Record<string, string> = {}, options: FixtureOptions = {}): { gw: TestGateway; tenant: KeyedTenant } {
  const gw = filledLater<TestGateway>('the gateway');
  const tenant = {} as KeyedTenant;
  let started: TestGateway | undefined;
  beforeAll(async () => {
    started = await startGateway(env, options);
    gw.fill(started);
    Object.assign(tenant, await started.tenantWithKey(options.environment));
    if (options.countCalls) await started.gql('{ __typename }', undefined, { key: tenant.key });
  });
  if (options.countCalls) beforeEach(() => started?.db.reset());
  afterAll(() => started?.close());
  return { gw: gw.value, tenant };
}

import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { postgresDatabase } from '../../src/db/pg-database';
import type { GqlResponse, TestGateway } from '../helpers/gateway';
import { startGateway, useGateway } from '../helpers/gateway';
import { TcpProxy } from '../helpers/tcp-proxy';
import { RUN_DB_URL_VAR } from '../helpers/test-env';

const QUERY = '{ customers(pageSize: 1) { customers { id } } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RawAnswer {
  /** The whole answer as text, or '' when the connection closed without one. */
  text: string;
  /** When the answer began, from the first byte sent. */
  ms: number;
  closed: boolean;
}

/**
 * Sends a request head announcing a body of `length` bytes, then trickles one byte every
 * `everyMs` until the server answers or `giveUpMs` passes.
 */
function trickle(url: string, path: string, headers: Record<string, string>, length: number, everyMs: number, giveUpMs: number): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const started = performance.now();
    let text = '';
    let answeredAt = 0;
    const head = [`POST ${path} HTTP/1.1`, `host: ${hostname}`, 'content-type: application/json', `content-length: ${length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${head.join('\r\n')}\r\n\r\n{`);
    const drip = setInterval(() => socket.write(' '), everyMs);
    const finish = (closed: boolean) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ text, ms: answeredAt - started, closed });
    };
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('data', (chunk) => {
      if (!answeredAt) answeredAt = performance.now();
      text += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

describe('a request body that trickles in is closed with 408 after BODY_TIMEOUT_MS', () => {
  const { gw, tenant } = useGateway({ BODY_TIMEOUT_MS: '700' });

  for (const path of ['/graphql', '/customers']) {
    it(`on ${path}`, async () => {
      const answer = await trickle(gw.url, path, { 'x-api-key': tenant.key }, 10_000, 100, 10_000);
      expect(answer.text).toMatch(/^HTTP\/1\.1 408/);
      expect(answer.text).toMatch(/connection: close/i);
      const body = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)) as GqlResponse['body'];
      expect(body.errors?.[0].extensions?.code).toBe('REQUEST_TIMEOUT');
      expect(body.errors?.[0].message).toMatch(/did not arrive within 700 ms/);
      // After the timeout, generously soon after it, and the connection is closed.
      expect(answer.ms).toBeGreaterThanOrEqual(600);
      expect(answer.ms).toBeLessThan(700 + 3_000);
      expect(answer.closed).toBe(true);
    });
  }

  it('a body that arrives in time is served, and the default is 30 s', async () => {
    expect((await gw.gql(QUERY, undefined, { key: tenant.key })).status).toBe(200);
    const { loadConfig } = await import('../../src/config');
    expect(loadConfig({}).bodyTimeoutMs).toBe(30_000);
  });
});

describe('a client that aborts its request is logged below error level', () => {
  it('logs the abort as information, never as an error', async () => {
    const logLines: string[] = [];
    const gw = await startGateway({}, { logLines });
    try {
      const { key } = await gw.tenantWithKey();
      const { hostname, port } = new URL(gw.url);
      for (const path of ['/graphql', '/customers']) {
        const socket = net.connect(Number(port), hostname);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-api-key: ${key}\r\ncontent-length: 1000\r\n\r\n{"query":`);
        await sleep(200);
        socket.destroy();
      }
      await sleep(500);
      const entries = logLines.map((line) => JSON.parse(line) as { level: number | string; msg?: string });
      const errors = entries.filter((entry) => entry.level === 'error' || entry.level === 'fatal' || (typeof entry.level === 'number' && entry.level >= 50));
      expect(errors).toEqual([]);
      expect(entries.filter((entry) => /client closed/.test(entry.msg ?? ''))).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });
});

const RUN_DB_URL = process.env[RUN_DB_URL_VAR];

// Needs PostgreSQL: runs on the PostgreSQL pass, skipped otherwise.
(RUN_DB_URL ? describe : describe.skip)('a PostgreSQL that stops answering ends the request with SERVICE_UNAVAILABLE', () => {
  const TIMEOUT = 1_000;
  let proxy: TcpProxy;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    const target = new URL(RUN_DB_URL ?? '');
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(RUN_DB_URL ?? '');
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const database = postgresDatabase({ connectionString: viaProxy.toString(), statementTimeoutMs: TIMEOUT, poolSize: 1 });
    gw = await startGateway({ DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT) }, { database });
    ({ key } = await gw.tenantWithKey());
    // The key is verified and cached, so only the query itself meets the stalled database.
    expect((await gw.gql(QUERY, undefined, { key })).status).toBe(200);
  });
  afterAll(async () => {
    proxy.resume();
    await gw.close();
    await proxy.stop();
  });

  async function timed(): Promise<GqlResponse & { ms: number }> {
    const started = performance.now();
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: QUERY }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse['body'], ms: performance.now() - started };
  }

  it('on an open connection, and while waiting for a pool connection, shortly after DB_STATEMENT_TIMEOUT_MS', async () => {
    proxy.stall();
    try {
      // The pool has one connection: the first request holds it, the second waits for it.
      const [holding, waiting] = await Promise.all([timed(), timed()]);
      for (const response of [holding, waiting]) {
        // A failed field: HTTP 200 with the error on it, as every field error (README, Errors).
        expect(response.status).toBe(200);
        expect(response.body.data).toBeNull();
        expect(response.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
        expect(response.ms).toBeGreaterThanOrEqual(TIMEOUT * 0.9);
        expect(response.ms).toBeLessThan(TIMEOUT * 2 + 3_000);
      }
    } finally {
      proxy.resume();
    }
    // Answers again once the database does.
    let status = 0;
    for (let i = 0; i < 10 && status !== 200; i++) {
      status = (await timed()).status;
      if (status !== 200) await sleep(300);
    }
    expect(status).toBe(200);
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL;

// Needs a real Redis: runs on the PostgreSQL + Redis pass (TEST_REDIS_URL), skipped otherwise.
(REDIS_URL ? describe : describe.skip)('a Redis that hangs (connection open, no answers)', () => {
  it('costs at most one short delay, then the in-process fallback answers with one warning, and it recovers', async () => {
    const target = new URL(REDIS_URL ?? '');
    const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
    await proxy.start();
    const logLines: string[] = [];
    const gw = await startGateway(
      { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RATE_LIMIT_PREFIX: `test:rl:${randomUUID()}`, RATE_LIMIT_MAX: '100', RATE_LIMIT_WINDOW_SECONDS: '60' },
      { logLines },
    );
    try {
      const { key } = await gw.tenantWithKey();
      const request = async () => {
        const started = performance.now();
        const response = await gw.gql(QUERY, undefined, { key });
        expect(response.status).toBe(200);
        return { ms: performance.now() - started, remaining: Number(response.headers.get('x-ratelimit-remaining')) };
      };
      await request();
      // Control: the same request with Redis answering, measured here.
      const control = Math.max(...(await Promise.all([request(), request(), request()].map((p) => p))).map((r) => r.ms));

      proxy.stall();
      const first = await request();
      expect(first.ms).toBeLessThan(3_000);
      const after: number[] = [];
      for (let i = 0; i < 5; i++) after.push((await request()).ms);
      // No further delay: each answers about as fast as with Redis, far below the 500 ms command timeout.
      expect(Math.max(...after)).toBeLessThan(Math.max(control * 3, control + 300));
      const warnings = logLines.map((line) => JSON.parse(line) as { level: number | string; msg?: string }).filter((entry) => /Redis/.test(entry.msg ?? '') && (entry.level === 'warn' || entry.level === 40));
      expect(warnings).toHaveLength(1);

      proxy.resume();
      // Shared again: the budget counted in Redis before the hang resumes where it was.
      const deadline = Date.now() + 15_000;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        await sleep(300);
        recovered = logLines.some((line) => /Redis reachable again/.test(line));
      }
      expect(recovered).toBe(true);
    } finally {
      proxy.resume();
      await gw.close();
      await proxy.stop();
    }
  });
});

// Needs PostgreSQL (PGlite has one session, so no two calls ever run at once there).
(RUN_DB_URL ? describe : describe.skip)('one request cannot take the whole database pool', () => {
  it("another organization's simple query sent at the same time keeps its latency", async () => {
    const gw = await startGateway();
    try {
      const heavy = await gw.tenantWithKey();
      const light = await gw.tenantWithKey();
      await gw.db.inner.rpc('seed_demo_customers', { p_organization_id: heavy.organizationId, p_environment: 'test', p_customers: 40_000, p_transactions_per_customer: 0 });
      // 50 counts over a substring search: 50 database calls, each a scan of 40,000 rows.
      const counts = `{ ${Array.from({ length: 50 }, (_, i) => `c${i}: customers(search: "zq${i}") { pagination { totalCount } }`).join(' ')} }`;
      const simple = '{ customers(pageSize: 1) { customers { id } } }';
      const timedGql = async (query: string, key: string) => {
        const started = performance.now();
        const response = await gw.gql(query, undefined, { key });
        expect(response.status).toBe(200);
        expect(response.body.errors).toBeUndefined();
        return { started, ended: performance.now() };
      };
      await timedGql(simple, light.key);
      const control: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = await timedGql(simple, light.key);
        control.push(t.ended - t.started);
      }
      const heavyRun = timedGql(counts, heavy.key);
      await sleep(30);
      const lightRun = await timedGql(simple, light.key);
      const heavyDone = await heavyRun;
      const heavyMs = heavyDone.ended - heavyDone.started;
      const lightMs = lightRun.ended - lightRun.started;
      // The scenario holds: the heavy request lasts many times the simple one.
      expect(heavyMs).toBeGreaterThan(4 * Math.max(...control));
      // The simple query did not queue behind the heavy one's calls for the pool's connections.
      expect(lightMs).toBeLessThan(heavyMs / 2);
      expect(lightRun.ended).toBeLessThan(heavyDone.ended);
    } finally {
      await gw.close();
    }
  });
});

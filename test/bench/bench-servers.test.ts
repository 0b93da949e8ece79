/**
 * The benchmark itself never runs under `npm test` (it takes minutes and wants a quiet
 * machine). Here only cheap checks of its parts:
 * - the peer package (bench/peers) pins what the bench compares against, with a lockfile
 *   matching its package.json, so `npm ci --prefix bench/peers` installs exactly that;
 * - on PostgreSQL, a smoke test: the gateway, the baseline, the direct-SQL server and the peer
 *   each answer the bench's main scenario (list of 50 with every field and transactions) with
 *   the same customers in the same order and the same transactions. The peer part needs the
 *   Node 22 binary of bench/peers (installed by the first `npm run bench`, or by
 *   `npm ci --prefix bench/peers`) and is skipped without it; the whole test is skipped on the
 *   embedded database, since the servers are separate processes on a PostgreSQL URL.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deepCursor } from '../../bench/cursor';
import type { DeepCursor } from '../../bench/scenarios';
import { buildScenarios } from '../../bench/scenarios';
import { freePort } from '../../bench/servers';
import type { BenchData, BenchOrg } from '../../bench/seed';
import { createApiKey, createOrganization, seedDemoCustomers } from '../../src/admin/admin';
import { migrate } from '../../src/db/migrate';
import { postgresDatabase } from '../../src/db/pg-database';
import { withScratchPostgresDatabase } from '../helpers/scratch-database';
import { usingPostgres } from '../helpers/test-env';

const root = path.resolve(__dirname, '..', '..');
const peers = path.join(root, 'bench', 'peers');
const node22 = path.join(peers, 'node_modules', 'node', 'bin', 'node');

describe('bench peer package', () => {
  const manifest = JSON.parse(readFileSync(path.join(peers, 'package.json'), 'utf8')) as {
    private?: boolean;
    dependencies: Record<string, string>;
    allowScripts?: Record<string, boolean>;
  };
  const lock = JSON.parse(readFileSync(path.join(peers, 'package-lock.json'), 'utf8')) as {
    lockfileVersion: number;
    packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
  };

  it('pins PostGraphile 5, the connection filter 4 and Node 22, exactly', () => {
    expect(manifest.private).toBe(true);
    expect(manifest.dependencies.postgraphile).toMatch(/^5\.\d+\.\d+$/);
    expect(manifest.dependencies['postgraphile-plugin-connection-filter']).toMatch(/^4\.\d+\.\d+$/);
    expect(manifest.dependencies.node).toMatch(/^22\.\d+\.\d+$/);
    // The `node` package fetches its binary in an install script, which npm runs only when allowed.
    expect(manifest.allowScripts?.node).toBe(true);
  });

  it('has a lockfile that installs exactly those versions', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(lock.packages[''].dependencies).toEqual(manifest.dependencies);
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(lock.packages[`node_modules/${name}`]?.version).toBe(version);
    }
  });
});

async function waitFor(url: string, child: ChildProcess, stderr: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr.join('').slice(-2000)}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer: ${stderr.join('').slice(-2000)}`);
}

interface Started {
  child: ChildProcess;
  base: string;
}

async function start(node: string, script: string, env: Record<string, string>, health: string): Promise<Started> {
  const port = await freePort();
  const child = spawn(node, [script], { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(base + health, child, stderr);
  return { child, base };
}

function stop(started: Started | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!started || started.child.exitCode !== null) return resolve();
    started.child.once('exit', () => resolve());
    started.child.kill('SIGTERM');
  });
}

async function post(url: string, request: { headers: Record<string, string>; body: string }): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

type Listed = { id: string; transactions: string[] };

const describePostgres = usingPostgres() ? describe : describe.skip;

describePostgres('bench servers (smoke, PostgreSQL)', () => {
  jest.setTimeout(120_000);

  it('each server answers the list of 50 with every field and transactions with the same customers and transactions', async () => {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-if-needed.js'), '--quiet'], { cwd: root, stdio: 'inherit' });
    await withScratchPostgresDatabase(async (url) => {
      const db = postgresDatabase({ connectionString: url, statementTimeoutMs: 60_000, poolSize: 2 });
      let org: BenchOrg;
      let deep: DeepCursor | undefined;
      const cursorSecret = 'bench-smoke-cursor-secret-0123456789abcdef';
      try {
        await migrate(db);
        const created = await createOrganization(db, 'Bench smoke');
        await seedDemoCustomers(db, { organizationId: created.organizationId, environment: 'test', customers: 60, transactionsPerCustomer: 3 });
        const key = await createApiKey(db, { organizationId: created.organizationId, environment: 'test', prefix: 'lomi', name: 'bench smoke' });
        org = { name: 'Bench smoke', organizationId: created.organizationId, merchantId: created.merchantId, customers: 60, apiKey: key.apiKey };
        deep = await deepCursor(db, org, 10, cursorSecret);
      } finally {
        await db.close();
      }
      const data: BenchData = {
        readOrgs: [org],
        writeOrg: org,
        bigOrgCustomerIds: [],
        writeOrgCustomerIds: [],
        customers: 60,
        transactions: 180,
        seededAt: new Date().toISOString(),
        seedSeconds: null,
      };
      const scenarios = buildScenarios(data, deep);
      const scenario = scenarios.find((candidate) => candidate.name === 'list-full');
      const deepScenario = scenarios.find((candidate) => candidate.name === 'deep-cursor-100k');
      if (!deepScenario) throw new Error('the deep cursor scenario is built');
      if (!scenario?.peer) throw new Error('list-full has a peer request');

      const servers: Started[] = [];
      try {
        const env = { DATABASE_URL: url };
        const gateway = await start(
          process.execPath,
          path.join(root, 'dist', 'src', 'main.js'),
          { ...env, NODE_ENV: 'production', CURSOR_SECRET: cursorSecret, LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
          '/health',
        );
        servers.push(gateway);
        const baseline = await start(process.execPath, path.join(root, 'dist', 'bench', 'baseline-server.js'), env, '/health');
        servers.push(baseline);
        const direct = await start(process.execPath, path.join(root, 'dist', 'bench', 'direct-server.js'), env, '/health');
        servers.push(direct);

        const fromGateway = (await post(gateway.base + '/graphql', scenario.gateway[0])) as {
          data: { customers: { customers: { id: string; version: number; transactions: { id: string }[] }[] } };
        };
        const expected: Listed[] = fromGateway.data.customers.customers.map((c) => ({ id: c.id, transactions: c.transactions.map((t) => t.id) }));
        expect(expected).toHaveLength(50);
        expect(expected.some((c) => c.transactions.length > 0)).toBe(true);

        const fromRest = (body: Record<string, unknown>): Listed[] => {
          const { customers, transactions } = body as { customers: { customer_id: string }[]; transactions: { customer_id: string; transaction_id: string }[] };
          return customers.map((c) => ({
            id: c.customer_id,
            transactions: transactions.filter((t) => t.customer_id === c.customer_id).map((t) => t.transaction_id),
          }));
        };
        expect(fromRest(await post(baseline.base + scenario.baseline.path, scenario.baseline.requests[0]))).toEqual(expected);
        expect(fromRest(await post(direct.base + scenario.baseline.path, scenario.baseline.requests[0]))).toEqual(expected);

        // the deep cursor page: the 11th to the 60th customer, newest first, on the three servers
        const deepPage = (await post(gateway.base + '/graphql', deepScenario.gateway[0])) as { data: { customersConnection: { nodes: { id: string }[] } } };
        const deepIds = deepPage.data.customersConnection.nodes.map((c) => c.id);
        expect(deepIds).toHaveLength(50);
        const sqlIds = (rows: unknown) => (rows as { customer_id: string }[]).slice(0, 50).map((c) => c.customer_id);
        expect(sqlIds(await post(baseline.base + deepScenario.baseline.path, deepScenario.baseline.requests[0]))).toEqual(deepIds);
        expect(sqlIds(await post(direct.base + deepScenario.baseline.path, deepScenario.baseline.requests[0]))).toEqual(deepIds);

        if (!existsSync(node22)) {
          // Skipped part: the peer runs only on bench/peers' Node 22 binary, not installed here.
          process.stderr.write('bench smoke: bench/peers is not installed, the peer (PostGraphile v5 on Node 22) was not checked\n');
          return;
        }
        const peer = await start(node22, path.join(peers, 'postgraphile-server.mjs'), { ...env, GRAPHILE_ENV: 'production' }, '/health');
        servers.push(peer);
        const fromPeer = (await post(peer.base + '/graphql', scenario.peer[0])) as {
          data: {
            allCustomers: {
              nodes: { customerId: string; transactionsByCustomerIdAndOrganizationIdAndEnvironment: { nodes: { transactionId: string }[] } }[];
            };
          };
        };
        expect(
          fromPeer.data.allCustomers.nodes.map((c) => ({
            id: c.customerId,
            transactions: c.transactionsByCustomerIdAndOrganizationIdAndEnvironment.nodes.map((t) => t.transactionId),
          })),
        ).toEqual(expected);
      } finally {
        await Promise.all(servers.map(stop));
      }
    });
  });
});

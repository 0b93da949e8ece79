/**
 * `npm run bench`: seeds the bench database once, starts the gateway (production mode) and the
 * baseline server as child processes, drives each scenario with autocannon from a third
 * process, and writes bench/results/ (latest, a dated copy, and `before` with --label before).
 *
 * Options: --duration <s> (10), --warmup <s> (3), --connections 16,64, --only a,b (scenario
 * names), --reseed, --label <name> (written in the results; "before" also keeps before.json).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate';
import { postgresDatabase } from '../src/db/pg-database';
import { projectRoot } from '../src/paths';
import type { BenchResults, Machine, ScenarioRun, TargetRun } from './report';
import { renderMarkdown } from './report';
import type { Scenario } from './scenarios';
import { buildScenarios, SEARCH_TERM } from './scenarios';
import type { BenchData } from './seed';
import { BIG_ORG_CUSTOMERS, prepareData, SMALL_ORG_CUSTOMERS, SMALL_ORGS, WRITE_ORG_CUSTOMERS } from './seed';
import type { LoadRequest, LoadResult, LoadSpec } from './types';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/gateway_bench';
/** The most config.ts accepts: large enough that no request of a run is ever limited. */
const RATE_LIMIT_MAX = '100000000';

interface Stats {
  url: string;
  /** What reading the counters and ending the connections add by themselves. */
  overhead: number;
}

interface Options {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number[];
  only: string[] | undefined;
  reseed: boolean;
  label: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { durationSeconds: 10, warmupSeconds: 3, connections: [16, 64], only: undefined, reseed: false, label: 'latest' };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    const positive = (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} must be a positive whole number`);
      return n;
    };
    if (arg === '--duration') options.durationSeconds = positive(next());
    else if (arg === '--warmup') options.warmupSeconds = positive(next());
    else if (arg === '--connections') options.connections = next().split(',').map(positive);
    else if (arg === '--only') options.only = next().split(',');
    else if (arg === '--reseed') options.reseed = true;
    else if (arg === '--label') options.label = next();
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the bench database when the server has none of that name. */
async function ensureDatabase(url: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    log(`creating database ${name}`);
    await admin.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(url, { method: 'GET' });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${name} did not answer ${url} within 30 s`);
}

interface Server {
  name: string;
  child: ChildProcess;
  url: string;
  stderr: string[];
}

function startProcess(name: string, script: string, env: NodeJS.ProcessEnv): { child: ChildProcess; stderr: string[] } {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString('utf8'));
    if (stderr.length > 200) stderr.shift();
  });
  return { child, stderr };
}

function stopProcess(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}

/** Resets the process's peak RSS (Linux 4.0+), so VmHWM covers the next run only. */
function resetPeakRss(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The application names of the servers' pools (pg-database.ts and baseline-server.ts). */
const SERVER_APPLICATIONS = ['customers-gateway', 'bench-baseline'];

/**
 * Transactions of the bench database, committed and rolled back. Each read is a connection of
 * its own that closes at once: a backend flushes its counters when it exits, so the reader's
 * own statements are counted at a fixed point (and calibrated away), not whenever it idles.
 */
async function xactCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-stats' });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()',
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/**
 * Ends the servers' database connections. PostgreSQL's backends flush their statistics at most
 * once a second while busy and, once idle, only after 10 s; a backend that exits flushes at
 * once. So after each run the servers' connections are terminated (their pools drop them and
 * reconnect on the next run's warm-up), which makes the run's count exact right away. Returns
 * how many were ended: each was opened during the run and its start-up counts one transaction.
 */
async function endServerConnections(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-stats' });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = current_database() and application_name = any ($1)',
      [SERVER_APPLICATIONS],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** Lets terminated backends finish exiting (and flushing) before the counters are read. */
const EXIT_PAUSE_MS = 500;

/** The transactions a read-terminate-read cycle adds by itself, with no load: subtracted from each run. */
async function calibrate(url: string): Promise<number> {
  await endServerConnections(url);
  await sleep(EXIT_PAUSE_MS);
  const samples: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const before = await xactCount(url);
    await endServerConnections(url);
    await sleep(EXIT_PAUSE_MS);
    samples.push((await xactCount(url)) - before);
  }
  return Math.min(...samples);
}

function runLoad(spec: LoadSpec, dir: string): Promise<LoadResult> {
  const file = path.join(dir, `spec-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'load.js'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load process exited with code ${code}`));
      else resolve(JSON.parse(out) as LoadResult);
    });
  });
}

async function measure(
  server: Server,
  requests: LoadRequest[],
  connections: number,
  options: Options,
  stats: Stats,
  tmp: string,
): Promise<TargetRun> {
  const pid = server.child.pid;
  const canReset = resetPeakRss(pid);
  const before = await xactCount(stats.url);
  const result = await runLoad(
    { url: server.url, requests, connections, warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds },
    tmp,
  );
  // Requests still in flight when autocannon stopped finish first: their queries count.
  await sleep(EXIT_PAUSE_MS);
  const connectionsOpened = await endServerConnections(stats.url);
  await sleep(EXIT_PAUSE_MS);
  const transactions = (await xactCount(stats.url)) - before - stats.overhead - connectionsOpened;
  const sent = result.warmup.sent + result.measured.sent;
  return {
    summary: result.measured,
    warmupRequests: result.warmup.requests,
    roundTripsPerRequest: sent > 0 ? transactions / sent : 0,
    databaseTransactions: transactions,
    connectionsOpened,
    peakRssMiB: canReset ? peakRssMiB(pid) : null,
  };
}

function machine(postgresVersion: string): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpu: model,
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    postgres: postgresVersion,
    os: `${os.type()} ${os.release()}`,
  };
}

function describeData(data: BenchData): BenchResults['data'] {
  return {
    customers: data.customers,
    transactions: data.transactions,
    organizations:
      `10 organizations read (one of ${BIG_ORG_CUSTOMERS.toLocaleString('en-US')} customers, ${SMALL_ORGS} of ` +
      `${SMALL_ORG_CUSTOMERS.toLocaleString('en-US')}) and one of ${WRITE_ORG_CUSTOMERS.toLocaleString('en-US')} (plus earlier runs' creations) for the writes, ` +
      'about 3 transactions per customer in every status, test environment',
    seededAt: data.seededAt,
    searchTerm: SEARCH_TERM,
  };
}

function writeResults(results: BenchResults): string {
  const dir = path.join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const beforeFile = path.join(dir, 'before.json');
  const before = existsSync(beforeFile) ? (JSON.parse(readFileSync(beforeFile, 'utf8')) as BenchResults) : undefined;
  const changesFile = path.join(dir, 'changes.md');
  const changes = existsSync(changesFile) ? readFileSync(changesFile, 'utf8') : undefined;
  const markdown = renderMarkdown(results, results.label === 'before' ? undefined : before, results.label === 'before' ? undefined : changes);
  const json = JSON.stringify(results, null, 2) + '\n';
  const stamp = `${results.date.slice(0, 16).replace(/[:T]/g, '-')}-${results.label.replace(/[^a-z0-9-]/gi, '_')}`;
  for (const name of ['latest', stamp, ...(results.label === 'before' ? ['before'] : [])]) {
    writeFileSync(path.join(dir, `${name}.json`), json);
    writeFileSync(path.join(dir, `${name}.md`), markdown);
  }
  return path.join(dir, 'latest.md');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_URL;
  await ensureDatabase(databaseUrl);

  const db = postgresDatabase({ connectionString: databaseUrl, statementTimeoutMs: 600_000, poolSize: 2 });
  let data: BenchData;
  try {
    const applied = await migrate(db);
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    data = await prepareData(db, { reseed: options.reseed, log });
  } finally {
    await db.close();
  }
  const scenarios = buildScenarios(data).filter((scenario) => !options.only || options.only.includes(scenario.name));
  if (scenarios.length === 0) throw new Error(`no scenario named ${options.only?.join(', ')}`);

  const tmp = path.join(os.tmpdir(), `gateway-bench-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const root = projectRoot();
  const gatewayEnv: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX,
    HOST: '127.0.0.1',
    // Set DB_POOL_SIZE for the run to try another pool size; the default is config.ts's.
    ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
  };
  const baselinePoolSize = Number(process.env.BASELINE_POOL_SIZE ?? process.env.DB_POOL_SIZE ?? 10);
  const gatewayPort = await freePort();
  const baselinePort = await freePort();
  const processEnv = { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl };
  const gw = startProcess('gateway', path.join(root, 'dist', 'src', 'main.js'), { ...processEnv, ...gatewayEnv, PORT: String(gatewayPort) });
  const gateway: Server = { name: 'gateway', ...gw, url: `http://127.0.0.1:${gatewayPort}/graphql` };
  const bl = startProcess('baseline', path.join(__dirname, 'baseline-server.js'), {
    ...processEnv,
    PORT: String(baselinePort),
    BASELINE_POOL_SIZE: String(baselinePoolSize),
  });
  const baseline: Server = { name: 'baseline', ...bl, url: `http://127.0.0.1:${baselinePort}` };
  const stats: Stats = { url: databaseUrl, overhead: await calibrate(databaseUrl) };

  const runs: ScenarioRun[] = [];
  try {
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/health`, gateway.child, 'the gateway');
    await waitForHttp(`${baseline.url}/health`, baseline.child, 'the baseline');
    log(`gateway pid ${gateway.child.pid} on ${gatewayPort}, baseline pid ${baseline.child.pid} on ${baselinePort}`);
    for (const scenario of scenarios) {
      for (const connections of options.connections) {
        runs.push(await runScenario(scenario, connections, { gateway, baseline }, options, stats, tmp));
      }
    }
  } catch (error) {
    log(`gateway stderr (last lines):\n${gateway.stderr.join('').slice(-4000)}`);
    throw error;
  } finally {
    await Promise.all([stopProcess(gateway), stopProcess(baseline)]);
    rmSync(tmp, { recursive: true, force: true });
  }

  const versionClient = new pg.Client({ connectionString: databaseUrl });
  await versionClient.connect();
  const { rows } = await versionClient.query<{ version: string }>('select version()');
  await versionClient.end();

  const results: BenchResults = {
    label: options.label,
    date: new Date().toISOString(),
    machine: machine(rows[0].version),
    settings: {
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      gatewayEnv,
      baselinePoolSize,
      statsOverhead: stats.overhead,
      roundTripMethod:
        'xact_commit + xact_rollback of the bench database (pg_stat_database) read before and after each run (warm-up and measured ' +
        'phase together), divided by the requests sent. Every rpc is one statement outside any explicit transaction, so one ' +
        'transaction is one round trip. Idle backends flush their counters only after 10 s, so at the end of each run the servers\' ' +
        'connections are terminated (a backend flushes when it exits; the pools reconnect in the next warm-up); one start-up ' +
        'transaction per connection opened and the reader\'s own (calibrated with no load) are subtracted. Requests in flight ' +
        'when a phase stops count in the divisor; an API key verification (one per key when its 30 s cache entry is missing or expires) ' +
        'and autovacuum add a little.',
    },
    data: describeData(data),
    runs,
    totalSeconds: (Date.now() - started) / 1000,
  };
  const file = writeResults(results);
  log(`results: ${path.relative(root, file)}`);
}

async function runScenario(
  scenario: Scenario,
  connections: number,
  servers: { gateway: Server; baseline: Server },
  options: Options,
  stats: Stats,
  tmp: string,
): Promise<ScenarioRun> {
  const gatewayRun = await measure(servers.gateway, scenario.gateway, connections, options, stats, tmp);
  const baselineRequests = scenario.baseline.requests;
  const baselineServer = { ...servers.baseline, url: servers.baseline.url + scenario.baseline.path };
  const baselineRun = await measure(baselineServer, baselineRequests, connections, options, stats, tmp);
  const run: ScenarioRun = {
    scenario: scenario.name,
    description: scenario.description,
    connections,
    expectedRoundTrips: scenario.expectedRoundTrips,
    gateway: gatewayRun,
    baseline: baselineRun,
    ratio: baselineRun.summary.rps > 0 ? gatewayRun.summary.rps / baselineRun.summary.rps : 0,
  };
  const g = gatewayRun.summary;
  const b = baselineRun.summary;
  const failures = g.non2xx + g.errors + g.timeouts + g.bodyErrors;
  log(
    `${scenario.name} c=${connections}: gateway ${g.rps.toFixed(0)} req/s p50 ${g.latencyMs.p50} p99 ${g.latencyMs.p99} ms, ` +
      `rt ${gatewayRun.roundTripsPerRequest.toFixed(2)}, rss ${gatewayRun.peakRssMiB?.toFixed(0) ?? 'n/a'} MiB | baseline ${b.rps.toFixed(0)} req/s ` +
      `p50 ${b.latencyMs.p50} ms rt ${baselineRun.roundTripsPerRequest.toFixed(2)} | ratio ${(run.ratio * 100).toFixed(0)}%` +
      (failures ? ` | ${failures} FAILED: ${g.sampleError ?? ''}` : ''),
  );
  if (b.non2xx + b.errors + b.timeouts + b.bodyErrors > 0) log(`  baseline failures: ${b.sampleError ?? ''}`);
  return run;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});

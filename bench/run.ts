/**
 * `npm run bench`: seeds the bench database once, starts as child processes the gateway
 * (production mode), the baseline server (the same SQL functions over node:http), the
 * direct-SQL server (plain SQL over node:http) and the peer (PostGraphile v5, from the bench's
 * own package bench/peers, installed on first use with `npm ci --prefix bench/peers`), drives
 * each scenario with autocannon from another process, the servers taking turns round after
 * round, times each SQL function against its plain SQL on the database, and writes
 * bench/results/ (latest, a dated copy, and `before` with --label before).
 *
 * All servers run on the Node 22 binary of bench/peers (the `node` package at 22.x), so the
 * gateway and the peer are compared on the same runtime; without that package (no registry,
 * or --no-peer) they run on this process's Node and the peer is left out.
 *
 * Options: --duration <s> (10), --warmup <s> (3), --rounds <n> (3), --connections 16,64,
 * --only a,b (scenario names; `db` is the database-side scenario), --no-peer, --db-seconds <s>
 * (3), --reseed, --label <name> (written in the results; "before" also keeps before.json).
 *
 * --embedded: the gateway on the embedded database beside the gateway on PostgreSQL, on demo
 * data and on a 100,000-customer tenant, with the embedded database's targets (bench/embedded.ts;
 * there --duration defaults to 5, --warmup to 2, --rounds to 2, and --only takes its scenarios).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate';
import { postgresDatabase } from '../src/db/pg-database';
import { projectRoot } from '../src/paths';
import { deepCursor } from './cursor';
import type { DbCallRun } from './db-calls';
import { dbCallPairs, runDbCalls } from './db-calls';
import { runEmbedded } from './embedded';
import type { BenchResults, ScenarioRun, ServerName, ServerResult, TargetRun } from './report';
import { renderMarkdown, SERVER_NAMES } from './report';
import type { DeepCursor, Scenario } from './scenarios';
import { buildScenarios, DEEP_CURSOR_PAGE, SEARCH_TERM } from './scenarios';
import type { BenchData } from './seed';
import { BIG_ORG_CUSTOMERS, prepareData, SMALL_ORG_CUSTOMERS, SMALL_ORGS, WRITE_ORG_CUSTOMERS } from './seed';
import type { Server } from './servers';
import { ensureDatabase, freePort, log, machine, nodeVersion, runLoad, sleep, startProcess, stopProcess, waitForHttp } from './servers';
import type { LoadRequest } from './types';

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
  rounds: number;
  peer: boolean;
  dbSeconds: number;
  /** The embedded database beside PostgreSQL (bench/embedded.ts) instead of the servers' comparison. */
  embedded: boolean;
  /** The options given on the command line (the embedded run has shorter defaults). */
  given: Set<string>;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    durationSeconds: 10,
    warmupSeconds: 3,
    connections: [16, 64],
    only: undefined,
    reseed: false,
    label: 'latest',
    rounds: 3,
    peer: true,
    dbSeconds: 3,
    embedded: false,
    given: new Set(),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    options.given.add(arg);
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
    else if (arg === '--rounds') options.rounds = positive(next());
    else if (arg === '--no-peer') options.peer = false;
    else if (arg === '--db-seconds') options.dbSeconds = positive(next());
    else if (arg === '--embedded') options.embedded = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
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

/** The application names of the servers' pools (pg-database.ts, baseline-server.ts, direct-server.ts, peers/). */
const SERVER_APPLICATIONS = ['customers-gateway', 'bench-baseline', 'bench-direct', 'bench-postgraphile'];

/** The bench's own package: the peer server and the Node 22 binary. */
function peersDir(): string {
  return path.join(projectRoot(), 'bench', 'peers');
}

/** The Node 22 binary of bench/peers, installed there on first use; undefined when it cannot be. */
function peersNode(): string | undefined {
  const dir = peersDir();
  const node = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  const ready = () => existsSync(node) && existsSync(path.join(dir, 'node_modules', 'postgraphile', 'package.json'));
  if (!ready()) {
    log('installing the peer package (npm ci --prefix bench/peers, once)');
    const npm = spawnSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { stdio: ['ignore', 2, 2] });
    if (npm.status !== 0 || !ready()) {
      log('bench/peers could not be installed: the peer is left out and the servers run on this Node');
      return undefined;
    }
  }
  return node;
}

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
  if (options.embedded) {
    const given = (name: string, value: number, otherwise: number) => (options.given.has(name) ? value : otherwise);
    await runEmbedded({
      databaseUrl,
      durationSeconds: given('--duration', options.durationSeconds, 5),
      warmupSeconds: given('--warmup', options.warmupSeconds, 2),
      rounds: given('--rounds', options.rounds, 2),
      only: options.only,
      reseed: options.reseed,
      label: options.label,
      rateLimitMax: RATE_LIMIT_MAX,
    });
    return;
  }

  const db = postgresDatabase({ connectionString: databaseUrl, statementTimeoutMs: 600_000, poolSize: 2 });
  // The gateway's CURSOR_SECRET for this run: the deep cursor scenario's cursor is sealed with it.
  const cursorSecret = randomBytes(32).toString('hex');
  let data: BenchData;
  let deep: DeepCursor | undefined;
  try {
    const applied = await migrate(db);
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    data = await prepareData(db, { reseed: options.reseed, log });
    deep = await deepCursor(db, data.readOrgs[0], (DEEP_CURSOR_PAGE - 1) * 50, cursorSecret);
  } finally {
    await db.close();
  }
  const scenarios = buildScenarios(data, deep).filter((scenario) => !options.only || options.only.includes(scenario.name));
  const runDb = !options.only || options.only.includes('db');
  if (scenarios.length === 0 && !runDb) throw new Error(`no scenario named ${options.only?.join(', ')}`);
  const node22 = options.peer ? peersNode() : undefined;
  const serverNode = node22 ?? process.execPath;

  const tmp = path.join(os.tmpdir(), `gateway-bench-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const root = projectRoot();
  const gatewayEnv: Record<string, string> = {
    NODE_ENV: 'production',
    CURSOR_SECRET: cursorSecret,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX,
    HOST: '127.0.0.1',
    // Set DB_POOL_SIZE for the run to try another pool size; the default is config.ts's.
    ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
  };
  const baselinePoolSize = Number(process.env.BASELINE_POOL_SIZE ?? process.env.DB_POOL_SIZE ?? 10);
  const gatewayPort = await freePort();
  const baselinePort = await freePort();
  const directPort = await freePort();
  const peerPort = await freePort();
  const processEnv = { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl };
  const servers: Server[] = [];
  const gw = startProcess(serverNode, path.join(root, 'dist', 'src', 'main.js'), { ...processEnv, ...gatewayEnv, PORT: String(gatewayPort) });
  servers.push({ name: 'gateway', ...gw, url: `http://127.0.0.1:${gatewayPort}/graphql` });
  const bl = startProcess(serverNode, path.join(__dirname, 'baseline-server.js'), {
    ...processEnv,
    PORT: String(baselinePort),
    BASELINE_POOL_SIZE: String(baselinePoolSize),
  });
  servers.push({ name: 'baseline', ...bl, url: `http://127.0.0.1:${baselinePort}` });
  const dr = startProcess(serverNode, path.join(__dirname, 'direct-server.js'), {
    ...processEnv,
    PORT: String(directPort),
    BASELINE_POOL_SIZE: String(baselinePoolSize),
  });
  servers.push({ name: 'direct', ...dr, url: `http://127.0.0.1:${directPort}` });
  if (node22) {
    const pr = startProcess(node22, path.join(peersDir(), 'postgraphile-server.mjs'), {
      ...processEnv,
      PORT: String(peerPort),
      POOL_SIZE: String(baselinePoolSize),
      GRAPHILE_ENV: 'production',
      NODE_ENV: 'production',
    });
    servers.push({ name: 'peer', ...pr, url: `http://127.0.0.1:${peerPort}/graphql` });
  }
  const stats: Stats = { url: databaseUrl, overhead: await calibrate(databaseUrl) };

  const runs: ScenarioRun[] = [];
  let dbCalls: DbCallRun[] = [];
  try {
    for (const server of servers) {
      const health = server.url.replace(/\/graphql$/, '') + '/health';
      await waitForHttp(health, server.child, `the ${server.name}`, server.name === 'peer' ? 120_000 : 30_000);
    }
    log(`servers on ${nodeVersion(serverNode)}: ${servers.map((server) => `${server.name} pid ${server.child.pid}`).join(', ')}`);
    for (const scenario of scenarios) {
      for (const connections of options.connections) {
        runs.push(await runScenario(scenario, connections, servers, options, stats, tmp));
      }
    }
  } catch (error) {
    for (const server of servers) log(`${server.name} stderr (last lines):\n${server.stderr.join('').slice(-4000)}`);
    throw error;
  } finally {
    await Promise.all(servers.map(stopProcess));
    rmSync(tmp, { recursive: true, force: true });
  }
  if (runDb) {
    log(`database-side scenario: ${options.dbSeconds} s per side, ${options.rounds} rounds`);
    const pageIds = await firstPageIds(databaseUrl, data.readOrgs[0].organizationId);
    dbCalls = await runDbCalls(databaseUrl, dbCallPairs(data.readOrgs[0], pageIds, data.bigOrgCustomerIds[0]), {
      clients: 4,
      seconds: options.dbSeconds,
      rounds: options.rounds,
      log,
    });
  }

  const versionClient = new pg.Client({ connectionString: databaseUrl });
  await versionClient.connect();
  const { rows } = await versionClient.query<{ version: string }>('select version()');
  await versionClient.end();

  const results: BenchResults = {
    label: options.label,
    date: new Date().toISOString(),
    machine: machine(rows[0].version, nodeVersion(serverNode)),
    settings: {
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      rounds: options.rounds,
      dbSeconds: options.dbSeconds,
      servers: servers.map((server) => server.name),
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
    dbCalls,
    totalSeconds: (Date.now() - started) / 1000,
  };
  const file = writeResults(results);
  log(`results: ${path.relative(root, file)}`);
}

/** The ids of the first page of the organization, as the list shows them (for the transactions call). */
async function firstPageIds(url: string, organizationId: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ customer_id: string }>(
      'select customer_id from customers where organization_id = $1 and environment = $2 and not is_deleted order by created_at desc, customer_id desc limit 50',
      [organizationId, 'test'],
    );
    return rows.map((row) => row.customer_id);
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function failuresOf(run: TargetRun): number {
  return run.summary.non2xx + run.summary.errors + run.summary.timeouts + run.summary.bodyErrors;
}

function summarize(runs: TargetRun[]): ServerResult {
  const rps = runs.map((run) => run.summary.rps);
  const byRps = [...runs].sort((a, b) => a.summary.rps - b.summary.rps);
  const rss = runs.map((run) => run.peakRssMiB).filter((value): value is number => value !== null);
  return {
    runs,
    medianRun: byRps[Math.floor((byRps.length - 1) / 2)],
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50: median(runs.map((run) => run.summary.latencyMs.p50)),
    p99: median(runs.map((run) => run.summary.latencyMs.p99)),
    roundTrips: median(runs.map((run) => run.roundTripsPerRequest)),
    peakRssMiB: rss.length ? Math.max(...rss) : null,
    errors: runs.reduce((sum, run) => sum + failuresOf(run), 0),
    sampleError: runs.map((run) => run.summary.sampleError).find((text) => text !== undefined),
  };
}

/** Servers found dead, reported once. */
const reportedDead = new Set<ServerName>();

async function runScenario(
  scenario: Scenario,
  connections: number,
  servers: Server[],
  options: Options,
  stats: Stats,
  tmp: string,
): Promise<ScenarioRun> {
  const requestsFor = (server: Server): { url: string; requests: LoadRequest[] } | undefined => {
    if (server.name === 'gateway') return { url: server.url, requests: scenario.gateway };
    if (server.name === 'peer') return scenario.peer ? { url: server.url, requests: scenario.peer } : undefined;
    return { url: server.url + scenario.baseline.path, requests: scenario.baseline.requests };
  };
  const alive = (server: Server) => {
    if (server.child.exitCode === null && server.child.signalCode === null) return true;
    if (!reportedDead.has(server.name)) {
      reportedDead.add(server.name);
      log(`the ${server.name} has exited (left out from here on); its stderr:\n${server.stderr.join('').slice(-3000)}`);
    }
    return false;
  };
  const taking = servers.filter((server) => requestsFor(server) !== undefined && alive(server));
  const perServer = new Map<ServerName, TargetRun[]>();
  for (let round = 0; round < options.rounds; round += 1) {
    // The servers take turns; each round starts with the next one, so none always goes first.
    const order = taking.map((_, i) => taking[(i + round) % taking.length]);
    for (const server of order) {
      const target = requestsFor(server);
      if (!target || !alive(server)) continue;
      const run = await measure({ ...server, url: target.url }, target.requests, connections, options, stats, tmp);
      perServer.set(server.name, [...(perServer.get(server.name) ?? []), run]);
    }
  }
  const results: Partial<Record<ServerName, ServerResult>> = {};
  for (const [name, runs] of perServer) results[name] = summarize(runs);
  const gateway = results.gateway;
  const baseline = results.baseline;
  if (!gateway || !baseline) throw new Error('the gateway or the baseline exited: see its stderr above');
  const ratioTo = (name: ServerName) => {
    const other = results[name];
    return other && other.rps > 0 ? gateway.rps / other.rps : undefined;
  };
  const run: ScenarioRun = {
    scenario: scenario.name,
    description: scenario.description,
    connections,
    expectedRoundTrips: scenario.expectedRoundTrips,
    gateway: gateway.medianRun,
    baseline: baseline.medianRun,
    ratio: ratioTo('baseline') ?? 0,
    servers: results,
    ratios: { baseline: ratioTo('baseline'), direct: ratioTo('direct'), peer: ratioTo('peer') },
  };
  const parts = SERVER_NAMES.flatMap((name) => {
    const result = results[name];
    if (!result) return [];
    return [
      `${name} ${result.rps.toFixed(0)} req/s (${result.rpsMin.toFixed(0)}-${result.rpsMax.toFixed(0)}) p50 ${result.p50} ms rt ${result.roundTrips.toFixed(2)}` +
        (result.errors ? ` ${result.errors} FAILED: ${result.sampleError ?? ''}` : ''),
    ];
  });
  const ratios = (['peer', 'direct', 'baseline'] as const)
    .filter((name) => run.ratios?.[name] !== undefined)
    .map((name) => `/${name} ${((run.ratios?.[name] ?? 0) * 100).toFixed(0)}%`)
    .join(' ');
  log(`${scenario.name} c=${connections}: ${parts.join(' | ')} | gateway ${ratios}, rss ${gateway.peakRssMiB?.toFixed(0) ?? 'n/a'} MiB`);
  return run;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});

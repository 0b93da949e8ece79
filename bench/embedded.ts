/**
 * `npm run bench -- --embedded`: the gateway on the embedded database (PGlite on its worker
 * thread) beside the gateway on PostgreSQL, in the same run, on two kinds of data:
 *
 * - demo data: what a first `npm start` makes (300 customers with their transactions, by the
 *   gateway itself in a fresh DATA_DIR), and the same seed in an organization of the bench's
 *   PostgreSQL database. The README's example queries at one connection, the demo list with
 *   transactions at 1 and 16;
 * - a tenant of 100,000 customers: the bench's scenarios (bench/scenarios.ts) on the bench's
 *   100,000-customer organization in PostgreSQL and on one seeded the same way in an embedded
 *   database kept under .cache/bench-embedded/ (made once; --reseed makes it again).
 *
 * Both gateways run in production mode with the same settings; the two backends take turns,
 * round after round. The results, with the embedded database's targets marked met or not, go to
 * bench/results/embedded-latest.{json,md} and a dated copy.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApiKey, createOrganization, seedDemoCustomers } from '../src/admin/admin';
import { migrate } from '../src/db/migrate';
import { postgresDatabase } from '../src/db/pg-database';
import { openEmbeddedDatabase } from '../src/db/pglite';
import type { SqlDatabase } from '../src/db/sql-database';
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from '../src/pages/offer';
import { projectRoot } from '../src/paths';
import type { Machine } from './report';
import { buildScenarios } from './scenarios';
import type { BenchData, BenchOrg } from './seed';
import { BIG_ORG_CUSTOMERS, prepareData, WRITE_ORG_CUSTOMERS } from './seed';
import type { Server } from './servers';
import { freePort, log, machine, nodeVersion, runLoad, startProcess, stopProcess, waitForHttp } from './servers';
import type { LoadRequest } from './types';

export interface EmbeddedBenchOptions {
  databaseUrl: string;
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  only: string[] | undefined;
  reseed: boolean;
  label: string;
  rateLimitMax: string;
}

type Backend = 'embedded' | 'postgres';
const BACKENDS: readonly Backend[] = ['embedded', 'postgres'];
type DataSet = 'demo' | '100k';

/** What `npm start` seeds on a fresh embedded database (DEMO_CUSTOMERS' default). */
const DEMO_CUSTOMERS = 300;
const DEMO_TRANSACTIONS_PER_CUSTOMER = 3;
/** Bump when the embedded tenant's seed changes, so an old one is made again. */
const EMBEDDED_SEED_VERSION = 1;

/** The README's example queries (A first query, the browser app, the explorers' worked example). */
export const README_QUERIES = {
  'readme-first-query': {
    query:
      '{ customers(search: "dia", status: ACTIVE, pageSize: 5) { customers { id name email transactions(first: 3) { grossAmount currencyCode status } } pagination { totalCount totalPages } } }',
  },
  'readme-browser-app': { query: '{ customers(pageSize: 5) { customers { id name } } }' },
  'readme-explorer-example': { query: EXAMPLE_OPERATION, variables: EXAMPLE_VARIABLES },
} as const;

const DEMO_LIST_TRANSACTIONS = '{ customers(pageSize: 50) { customers { id name email transactions { id grossAmount } } } }';
const DEMO_ACTIVE_TOTAL = '{ customers(status: ACTIVE, pageSize: 50) { customers { id } pagination { totalCount } } }';

/** The 100,000-customer scenarios whose throughput is held to a third of PostgreSQL's. */
const LIST_SCENARIOS = ['list', 'list-total', 'list-transactions', 'list-full'];
const BIG_SCENARIOS = [...LIST_SCENARIOS, 'search-100k', 'active-100k', 'deep-100k', 'customer-by-id', 'create', 'update'];

interface EmbeddedScenario {
  name: string;
  description: string;
  data: DataSet;
  connections: number[];
  requests: Record<Backend, LoadRequest[]>;
}

export interface BackendResult {
  rps: number;
  rpsMin: number;
  rpsMax: number;
  /** Medians over the rounds. */
  p50: number;
  p99: number;
  errors: number;
  sampleError?: string;
}

export interface EmbeddedRun {
  scenario: string;
  description: string;
  data: DataSet;
  connections: number;
  embedded: BackendResult;
  postgres: BackendResult;
  /** Embedded throughput / PostgreSQL's. */
  ratio: number;
}

export interface EmbeddedTarget {
  target: string;
  measured: string;
  met: boolean;
}

export interface EmbeddedBenchResults {
  kind: 'embedded';
  label: string;
  date: string;
  machine: Machine & { loadAverage: { start: number[]; end: number[] } };
  settings: { warmupSeconds: number; durationSeconds: number; rounds: number; gatewayEnv: Record<string, string> };
  data: { demo: string; big: string };
  runs: EmbeddedRun[];
  targets: EmbeddedTarget[];
  totalSeconds: number;
}

function gql(apiKey: string, query: string, variables?: Readonly<Record<string, unknown>>): LoadRequest {
  return { headers: { 'x-api-key': apiKey }, body: JSON.stringify(variables ? { query, variables } : { query }) };
}

function demoScenarios(keys: Record<Backend, string>): EmbeddedScenario[] {
  const same = (query: string, variables?: Readonly<Record<string, unknown>>) => ({
    embedded: [gql(keys.embedded, query, variables)],
    postgres: [gql(keys.postgres, query, variables)],
  });
  const readme = Object.entries(README_QUERIES).map(([name, { query, ...rest }]) => ({
    name,
    description: `The README's ${name.replace('readme-', '').replace(/-/g, ' ')}, demo data`,
    data: 'demo' as const,
    connections: [1],
    requests: same(query, 'variables' in rest ? rest.variables : undefined),
  }));
  return [
    ...readme,
    {
      name: 'demo-active-total',
      description: '`customers(status: ACTIVE, pageSize: 50) { customers { id } pagination { totalCount } } }`, demo data',
      data: 'demo',
      connections: [1, 16],
      requests: same(DEMO_ACTIVE_TOTAL),
    },
    {
      name: 'demo-list-transactions',
      description: '`customers(pageSize: 50) { customers { id name email transactions { id grossAmount } } }`, demo data',
      data: 'demo',
      connections: [1, 16],
      requests: same(DEMO_LIST_TRANSACTIONS),
    },
    {
      name: 'demo-typename',
      description: '`{ __typename }` (HTTP and GraphQL only, no database)',
      data: 'demo',
      connections: [16],
      requests: same('{ __typename }'),
    },
  ];
}

/** The bench's scenarios on one 100,000-customer organization (and the write organization) per backend. */
function bigScenarios(data: Record<Backend, BenchData>): EmbeddedScenario[] {
  const built = { embedded: buildScenarios(data.embedded), postgres: buildScenarios(data.postgres) };
  return BIG_SCENARIOS.map((name) => {
    const of = (backend: Backend) => {
      const scenario = built[backend].find((s) => s.name === name);
      if (!scenario) throw new Error(`no bench scenario named ${name}`);
      return scenario;
    };
    const description = LIST_SCENARIOS.includes(name)
      ? `${of('postgres').description.replace(/; the ten organizations in turn$/, '')}, 100,000-customer organization`
      : of('postgres').description;
    return { name, description, data: '100k' as const, connections: [16], requests: { embedded: of('embedded').gateway, postgres: of('postgres').gateway } };
  });
}

/** The demo organization of the PostgreSQL bench database (made once, like the rest of the seed). */
async function postgresDemoKey(db: SqlDatabase): Promise<string> {
  const [row] = await db.session((session) =>
    session.query<{ organization_id: string }>("select organization_id from bench_seed_orgs where role = 'demo' limit 1"),
  );
  let organizationId = row?.organization_id;
  if (!organizationId) {
    log(`seeding a demo organization of ${DEMO_CUSTOMERS} customers in PostgreSQL (once)`);
    const org = await createOrganization(db, 'Bench demo');
    await seedDemoCustomers(db, { organizationId: org.organizationId, environment: 'test', customers: DEMO_CUSTOMERS, transactionsPerCustomer: DEMO_TRANSACTIONS_PER_CUSTOMER });
    await db.session((session) =>
      session.query('insert into bench_seed_orgs (name, organization_id, merchant_id, customers, role) values ($1, $2, $3, $4, $5)', [
        'Bench demo',
        org.organizationId,
        org.merchantId,
        DEMO_CUSTOMERS,
        'demo',
      ]),
    );
    organizationId = org.organizationId;
  }
  const key = await createApiKey(db, { organizationId, environment: 'test', prefix: 'lomi', name: `bench ${new Date().toISOString()}` });
  return key.apiKey;
}

interface EmbeddedSeed {
  version: number;
  big: { organizationId: string; merchantId: string };
  write: { organizationId: string; merchantId: string };
  seconds: number;
}

/** The embedded database of the 100,000-customer tenant, under .cache/ (gitignored), made once. */
function embeddedDir(): string {
  return path.join(projectRoot(), '.cache', 'bench-embedded', '100k');
}

/** Makes (once) the embedded tenant of 100,000 customers; returns its seed. */
async function ensureEmbeddedData(reseed: boolean): Promise<EmbeddedSeed> {
  const dir = embeddedDir();
  const file = path.join(dir, 'bench-seed.json');
  if (!reseed && existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as EmbeddedSeed).version === EMBEDDED_SEED_VERSION) {
    return JSON.parse(readFileSync(file, 'utf8')) as EmbeddedSeed;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`seeding the embedded tenant of ${BIG_ORG_CUSTOMERS.toLocaleString('en-US')} customers in ${path.relative(projectRoot(), dir)} (once)`);
  const started = Date.now();
  const db = await openEmbeddedDatabase(dir, { statementTimeoutMs: 0 });
  try {
    await migrate(db);
    const big = await createOrganization(db, 'Bench 100k');
    await seedDemoCustomers(db, { organizationId: big.organizationId, environment: 'test', customers: BIG_ORG_CUSTOMERS, transactionsPerCustomer: 3 });
    const write = await createOrganization(db, 'Bench writes');
    await seedDemoCustomers(db, { organizationId: write.organizationId, environment: 'test', customers: WRITE_ORG_CUSTOMERS, transactionsPerCustomer: 3 });
    await db.session((session) => session.exec('vacuum analyze'));
    const seed: EmbeddedSeed = { version: EMBEDDED_SEED_VERSION, big, write, seconds: (Date.now() - started) / 1000 };
    writeFileSync(file, JSON.stringify(seed, null, 2) + '\n');
    log(`embedded tenant seeded in ${seed.seconds.toFixed(0)} s`);
    return seed;
  } finally {
    await db.close();
  }
}

/** Keys for this run and the sampled ids, from a database opened for the moment. */
async function benchDataOf(
  db: SqlDatabase,
  big: { organizationId: string; merchantId: string },
  write: { organizationId: string; merchantId: string },
): Promise<BenchData> {
  const keyOf = async (org: { organizationId: string }) =>
    (await createApiKey(db, { organizationId: org.organizationId, environment: 'test', prefix: 'lomi', name: `bench ${new Date().toISOString()}` })).apiKey;
  const bigOrg: BenchOrg = { name: 'Bench 100k', ...big, customers: BIG_ORG_CUSTOMERS, apiKey: await keyOf(big) };
  const writeOrg: BenchOrg = { name: 'Bench writes', ...write, customers: WRITE_ORG_CUSTOMERS, apiKey: await keyOf(write) };
  return db.session(async (session) => {
    const sample = async (organizationId: string, n: number) =>
      (
        await session.query<{ customer_id: string }>(
          'select customer_id from customers where organization_id = $1 and environment = $2 and not is_deleted order by random() limit $3',
          [organizationId, 'test', n],
        )
      ).map((row) => row.customer_id);
    return {
      readOrgs: [bigOrg],
      writeOrg,
      bigOrgCustomerIds: await sample(big.organizationId, 2000),
      writeOrgCustomerIds: await sample(write.organizationId, 1000),
      customers: 0,
      transactions: 0,
      seededAt: '',
      seedSeconds: null,
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const mark = (met: boolean) => (met ? '**met**' : '**not met**');

function targetsOf(runs: EmbeddedRun[]): EmbeddedTarget[] {
  const find = (name: string, connections: number) => runs.find((run) => run.scenario === name && run.connections === connections);
  const targets: EmbeddedTarget[] = [];
  for (const name of Object.keys(README_QUERIES)) {
    const run = find(name, 1);
    if (run) {
      targets.push({
        target: `Demo data, ${name}: p50 under 10 ms at 1 connection`,
        measured: `p50 ${f1(run.embedded.p50)} ms (PostgreSQL ${f1(run.postgres.p50)} ms)`,
        met: run.embedded.p50 < 10 && run.embedded.errors === 0,
      });
    }
  }
  const list = find('demo-list-transactions', 16);
  if (list) {
    targets.push({
      target: 'Demo data, list of 50 with transactions: at least 300 req/s at 16 connections',
      measured: `${f0(list.embedded.rps)} req/s (PostgreSQL ${f0(list.postgres.rps)})`,
      met: list.embedded.rps >= 300 && list.embedded.errors === 0,
    });
  }
  for (const run of runs.filter((r) => r.data === '100k' && LIST_SCENARIOS.includes(r.scenario))) {
    targets.push({
      target: `100,000 customers, ${run.scenario}: at least a third of PostgreSQL's throughput`,
      measured: `${f0(run.embedded.rps)} / ${f0(run.postgres.rps)} req/s = ${f0(run.ratio * 100)}%`,
      met: run.ratio >= 1 / 3 && run.embedded.errors === 0,
    });
  }
  const big = runs.filter((r) => r.data === '100k');
  if (big.length) {
    const worst = big.reduce((a, b) => (b.embedded.p99 > a.embedded.p99 ? b : a));
    targets.push({
      target: '100,000 customers: no scenario\'s p99 over 1 s',
      measured: `highest p99 ${f0(worst.embedded.p99)} ms (${worst.scenario})`,
      met: big.every((run) => run.embedded.p99 <= 1000 && run.embedded.errors === 0),
    });
  }
  return targets;
}

export function renderEmbeddedMarkdown(results: EmbeddedBenchResults): string {
  const m = results.machine;
  const load = (values: number[]) => values.map((n) => n.toFixed(1)).join(' ');
  const lines = [
    `# Embedded database beside PostgreSQL (${results.label}, ${results.date})`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.os}; servers on Node ${m.serverNode ?? m.node}; ${m.postgres}.`,
    `Load average (1, 5, 15 min) at the start: ${load(m.loadAverage.start)}; at the end: ${load(m.loadAverage.end)}.`,
    ...(Math.max(m.loadAverage.start[0], m.loadAverage.end[0]) > m.cores
      ? [
          '',
          `Other work was running on this machine (load average above its ${m.cores} cores, which the gateways, the load generator and ` +
            'PostgreSQL shared with it): every figure is lower and noisier than on an idle machine. Compare the two backends within the run.',
        ]
      : []),
    '',
    `Settings: ${results.settings.warmupSeconds} s warm-up, ${results.settings.durationSeconds} s measured, ${results.settings.rounds} round(s), ` +
      'the two backends in turn; medians over the rounds. Both gateways in production mode with the same settings.',
    '',
    `Demo data: ${results.data.demo}`,
    '',
    `100,000 customers: ${results.data.big}`,
    '',
    '## Targets',
    '',
    ...results.targets.map((t) => `- ${t.target}: ${t.measured}: ${mark(t.met)}.`),
    '',
    '## Runs',
    '',
    '| scenario | data | conns | embedded req/s (rounds min-max) | PostgreSQL req/s | embedded / PostgreSQL | embedded p50 / p99 ms | PostgreSQL p50 / p99 ms | errors emb / pg |',
    '|---|---|---:|---:|---:|---:|---|---|---:|',
    ...results.runs.map(
      (run) =>
        `| ${run.scenario} | ${run.data} | ${run.connections} | ${f0(run.embedded.rps)} (${f0(run.embedded.rpsMin)}-${f0(run.embedded.rpsMax)}) | ` +
        `${f0(run.postgres.rps)} (${f0(run.postgres.rpsMin)}-${f0(run.postgres.rpsMax)}) | ${f0(run.ratio * 100)}% | ` +
        `${f1(run.embedded.p50)} / ${f1(run.embedded.p99)} | ${f1(run.postgres.p50)} / ${f1(run.postgres.p99)} | ${run.embedded.errors} / ${run.postgres.errors} |`,
    ),
    '',
    '## Scenarios',
    '',
    ...[...new Map(results.runs.map((run) => [run.scenario, run.description])).entries()].map(([name, description]) => `- ${name}: ${description}`),
    '',
  ];
  const samples = results.runs.flatMap((run) =>
    BACKENDS.flatMap((backend) => (run[backend].sampleError ? [`- ${run.scenario} c=${run.connections} ${backend}: ${run[backend].sampleError}`] : [])),
  );
  if (samples.length) lines.push('## Failures (first of each)', '', ...samples, '');
  return lines.join('\n');
}

function writeEmbeddedResults(results: EmbeddedBenchResults): string {
  const dir = path.join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = `${results.date.slice(0, 16).replace(/[:T]/g, '-')}-${results.label.replace(/[^a-z0-9-]/gi, '_')}`;
  for (const name of ['embedded-latest', `embedded-${stamp}`]) {
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(path.join(dir, `${name}.md`), renderEmbeddedMarkdown(results));
  }
  return path.join(dir, 'embedded-latest.md');
}

export async function runEmbedded(options: EmbeddedBenchOptions): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg();
  log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, load average ${loadStart.map((n) => n.toFixed(1)).join(' ')}`);
  const wanted = (name: string) => !options.only || options.only.includes(name);

  // PostgreSQL: the bench's seed (its 100,000-customer and write organizations) and a demo organization.
  const pgDb = postgresDatabase({ connectionString: options.databaseUrl, statementTimeoutMs: 600_000, poolSize: 2 });
  let pgData: BenchData;
  let pgDemoKey: string;
  try {
    const applied = await migrate(pgDb);
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    const seeded = await prepareData(pgDb, { reseed: options.reseed, log });
    pgData = { ...seeded, readOrgs: [seeded.readOrgs[0]] };
    pgDemoKey = await postgresDemoKey(pgDb);
  } finally {
    await pgDb.close();
  }

  // The embedded tenant of 100,000 customers (its own data directory, made once).
  const seed = await ensureEmbeddedData(options.reseed);
  const bigDir = embeddedDir();
  const embedded = await openEmbeddedDatabase(bigDir, { statementTimeoutMs: 0 });
  let embeddedData: BenchData;
  try {
    await migrate(embedded);
    embeddedData = await benchDataOf(embedded, seed.big, seed.write);
  } finally {
    await embedded.close();
  }

  const gatewayEnv: Record<string, string> = { NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: options.rateLimitMax, HOST: '127.0.0.1' };
  // Production requires it; one for the run, kept out of the results.
  const cursorSecret = randomBytes(32).toString('hex');
  const root = projectRoot();
  const main = path.join(root, 'dist', 'src', 'main.js');
  const demoDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-demo-'));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-load-'));
  const base = { PATH: process.env.PATH ?? '', CURSOR_SECRET: cursorSecret };
  const ports = { postgres: await freePort(), demo: await freePort(), big: await freePort() };
  const servers: Record<'postgres' | 'demo' | 'big', Server> = {
    // DATA_DIR points at an empty directory so that nothing of a local .data is touched.
    postgres: {
      name: 'gateway',
      ...startProcess(process.execPath, main, { ...base, ...gatewayEnv, DATABASE_URL: options.databaseUrl, PORT: String(ports.postgres), DATA_DIR: tmp }),
      url: `http://127.0.0.1:${ports.postgres}/graphql`,
    },
    // A first start on a fresh DATA_DIR, as `npm start` (SEED_DEMO since production skips the demo otherwise).
    demo: {
      name: 'gateway',
      ...startProcess(process.execPath, main, { ...base, ...gatewayEnv, SEED_DEMO: 'true', DATA_DIR: demoDir, PORT: String(ports.demo) }),
      url: `http://127.0.0.1:${ports.demo}/graphql`,
    },
    big: {
      name: 'gateway',
      ...startProcess(process.execPath, main, { ...base, ...gatewayEnv, DATA_DIR: bigDir, PORT: String(ports.big) }),
      url: `http://127.0.0.1:${ports.big}/graphql`,
    },
  };
  const runs: EmbeddedRun[] = [];
  try {
    for (const [name, server] of Object.entries(servers)) {
      await waitForHttp(server.url.replace(/\/graphql$/, '/health'), server.child, `the gateway (${name})`, 120_000);
    }
    const demoKey = readFileSync(path.join(demoDir, 'demo-api-key'), 'utf8').trim();
    log(`gateways on ${nodeVersion(process.execPath)}: PostgreSQL pid ${servers.postgres.child.pid}, embedded demo pid ${servers.demo.child.pid}, embedded 100k pid ${servers.big.child.pid}`);
    const scenarios = [...demoScenarios({ embedded: demoKey, postgres: pgDemoKey }), ...bigScenarios({ embedded: embeddedData, postgres: pgData })].filter((s) =>
      wanted(s.name),
    );
    if (scenarios.length === 0) throw new Error(`no embedded scenario named ${options.only?.join(', ')}`);
    const urlOf = (scenario: EmbeddedScenario, backend: Backend) =>
      backend === 'postgres' ? servers.postgres.url : scenario.data === 'demo' ? servers.demo.url : servers.big.url;
    for (const scenario of scenarios) {
      for (const connections of scenario.connections) {
        const summaries: Record<Backend, { rps: number; p50: number; p99: number; errors: number; sampleError?: string }[]> = { embedded: [], postgres: [] };
        for (let round = 0; round < options.rounds; round += 1) {
          const order = round % 2 === 0 ? BACKENDS : [...BACKENDS].reverse();
          for (const backend of order) {
            const result = await runLoad(
              {
                url: urlOf(scenario, backend),
                requests: scenario.requests[backend],
                connections,
                warmupSeconds: options.warmupSeconds,
                durationSeconds: options.durationSeconds,
              },
              tmp,
            );
            const s = result.measured;
            summaries[backend].push({
              rps: s.rps,
              p50: s.latencyMs.p50,
              p99: s.latencyMs.p99,
              errors: s.non2xx + s.errors + s.timeouts + s.bodyErrors,
              sampleError: s.sampleError,
            });
          }
        }
        const reduce = (backend: Backend): BackendResult => {
          const all = summaries[backend];
          const rps = all.map((s) => s.rps);
          return {
            rps: median(rps),
            rpsMin: Math.min(...rps),
            rpsMax: Math.max(...rps),
            p50: median(all.map((s) => s.p50)),
            p99: median(all.map((s) => s.p99)),
            errors: all.reduce((sum, s) => sum + s.errors, 0),
            sampleError: all.map((s) => s.sampleError).find((text) => text !== undefined),
          };
        };
        const run: EmbeddedRun = {
          scenario: scenario.name,
          description: scenario.description,
          data: scenario.data,
          connections,
          embedded: reduce('embedded'),
          postgres: reduce('postgres'),
          ratio: 0,
        };
        run.ratio = run.postgres.rps > 0 ? run.embedded.rps / run.postgres.rps : 0;
        runs.push(run);
        log(
          `${scenario.name} c=${connections}: embedded ${f0(run.embedded.rps)} req/s p50 ${run.embedded.p50} p99 ${run.embedded.p99} ms` +
            `${run.embedded.errors ? ` ${run.embedded.errors} FAILED: ${run.embedded.sampleError ?? ''}` : ''} | ` +
            `PostgreSQL ${f0(run.postgres.rps)} req/s p50 ${run.postgres.p50} p99 ${run.postgres.p99} ms` +
            `${run.postgres.errors ? ` ${run.postgres.errors} FAILED: ${run.postgres.sampleError ?? ''}` : ''} | ${f0(run.ratio * 100)}%`,
        );
      }
    }
  } catch (error) {
    for (const [name, server] of Object.entries(servers)) log(`${name} stderr (last lines):\n${server.stderr.join('').slice(-4000)}`);
    throw error;
  } finally {
    await Promise.all(Object.values(servers).map(stopProcess));
    rmSync(demoDir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }

  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ version: string }>('select version()');
  await client.end();
  const results: EmbeddedBenchResults = {
    kind: 'embedded',
    label: options.label,
    date: new Date().toISOString(),
    machine: { ...machine(rows[0].version, nodeVersion(process.execPath)), loadAverage: { start: loadStart, end: os.loadavg() } },
    settings: { warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds, rounds: options.rounds, gatewayEnv },
    data: {
      demo:
        `embedded: what a first start makes (${DEMO_CUSTOMERS} customers, ${DEMO_TRANSACTIONS_PER_CUSTOMER} transactions each, by the gateway in a fresh DATA_DIR); ` +
        'PostgreSQL: the same seed in an organization of the bench database (beside the bench\'s other organizations).',
      big:
        `one organization of ${BIG_ORG_CUSTOMERS.toLocaleString('en-US')} customers (3 transactions each) read, one of ${WRITE_ORG_CUSTOMERS.toLocaleString('en-US')} ` +
        'written to (plus earlier runs\' creations); embedded: a database of its own (.cache/bench-embedded/100k); PostgreSQL: the bench database\'s organizations.',
    },
    runs,
    targets: targetsOf(runs),
    totalSeconds: (Date.now() - started) / 1000,
  };
  const file = writeEmbeddedResults(results);
  for (const target of results.targets) log(`${target.met ? 'met    ' : 'NOT MET'} ${target.target}: ${target.measured}`);
  log(`results: ${path.relative(root, file)}`);
}

/** The results file (JSON) and its markdown rendering, with a before/after comparison. */
import type { DbCallRun } from './db-calls';
import type { PhaseSummary } from './types';

/** The servers measured: the gateway, the peer (PostGraphile v5), direct SQL, and the SQL-function baseline. */
export const SERVER_NAMES = ['gateway', 'peer', 'direct', 'baseline'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** One server's runs of a scenario at one connection count (one per round), and their medians. */
export interface ServerResult {
  runs: TargetRun[];
  /** The run of median throughput. */
  medianRun: TargetRun;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  /** Medians over the rounds of each run's p50 and p99. */
  p50: number;
  p99: number;
  roundTrips: number;
  /** The highest peak of the rounds. */
  peakRssMiB: number | null;
  errors: number;
  sampleError?: string;
}

export interface TargetRun {
  summary: PhaseSummary;
  warmupRequests: number;
  /** Transactions committed (and rolled back) in the bench database per request sent. */
  roundTripsPerRequest: number;
  /** Transactions counted for the run (both phases), after the subtractions. */
  databaseTransactions: number;
  /** Server connections opened during the run (ended after it). */
  connectionsOpened: number;
  /** Peak resident set of the server process during this run (VmHWM after a reset), MiB. */
  peakRssMiB: number | null;
}

export interface ScenarioRun {
  scenario: string;
  description: string;
  connections: number;
  expectedRoundTrips?: number;
  /** The median round of each (older results: the only run). */
  gateway: TargetRun;
  baseline: TargetRun;
  /** Gateway throughput / baseline throughput (medians). */
  ratio: number;
  /** Every server that answered the scenario, over the rounds (absent in older results). */
  servers?: Partial<Record<ServerName, ServerResult>>;
  /** Gateway median throughput / each other server's. */
  ratios?: { baseline?: number; direct?: number; peer?: number };
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** The Node of the runner and the load generator. */
  node: string;
  /** The Node the servers (gateway, peer, direct SQL, baseline) ran on. */
  serverNode?: string;
  postgres: string;
  os: string;
}

export interface BenchResults {
  label: string;
  date: string;
  machine: Machine;
  settings: {
    warmupSeconds: number;
    durationSeconds: number;
    connections: number[];
    rounds?: number;
    servers?: string[];
    dbSeconds?: number;
    gatewayEnv: Record<string, string>;
    baselinePoolSize: number;
    statsOverhead: number;
    roundTripMethod: string;
  };
  data: { customers: number; transactions: number; organizations: string; seededAt: string; searchTerm: string };
  runs: ScenarioRun[];
  /** The database-side scenario: each SQL function against its plain SQL. */
  dbCalls?: DbCallRun[];
  totalSeconds: number;
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

function errorsOf(run: TargetRun): number {
  return run.summary.non2xx + run.summary.errors + run.summary.timeouts + run.summary.bodyErrors;
}

function latency(run: TargetRun): string {
  const l = run.summary.latencyMs;
  return `${f1(l.p50)} / ${f1(l.p90)} / ${f1(l.p99)}`;
}

const pct = (n: number | undefined) => (n === undefined ? 'n/a' : `${f0(n * 100)}%`);

function rpsCell(result: ServerResult | undefined): string {
  if (!result) return 'n/a';
  return `${f0(result.rps)} (${f0(result.rpsMin)}-${f0(result.rpsMax)})`;
}

/** Older results have one run per server and no `servers`. */
function serversOf(run: ScenarioRun): Partial<Record<ServerName, ServerResult>> {
  if (run.servers) return run.servers;
  const one = (target: TargetRun): ServerResult => ({
    runs: [target],
    medianRun: target,
    rps: target.summary.rps,
    rpsMin: target.summary.rps,
    rpsMax: target.summary.rps,
    p50: target.summary.latencyMs.p50,
    p99: target.summary.latencyMs.p99,
    roundTrips: target.roundTripsPerRequest,
    peakRssMiB: target.peakRssMiB,
    errors: errorsOf(target),
  });
  return { gateway: one(run.gateway), baseline: one(run.baseline) };
}

function runsTable(results: BenchResults): string[] {
  const lines = [
    '| scenario | conns | gateway req/s | peer req/s | direct SQL req/s | baseline req/s | gateway / peer | gateway / direct | gateway / baseline |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const run of results.runs) {
    const servers = serversOf(run);
    lines.push(
      `| ${run.scenario} | ${run.connections} | ${rpsCell(servers.gateway)} | ${rpsCell(servers.peer)} | ${rpsCell(servers.direct)} | ${rpsCell(servers.baseline)} | ` +
        `${pct(run.ratios?.peer)} | ${pct(run.ratios?.direct)} | ${pct(run.ratios?.baseline ?? run.ratio)} |`,
    );
  }
  return lines;
}

function latencyTable(results: BenchResults): string[] {
  const lines = [
    '| scenario | conns | p50 / p99 ms: gateway | peer | direct SQL | baseline | round trips gateway (target) | peer | direct | baseline | errors gw / peer / direct / base | gateway peak RSS MiB |',
    '|---|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const lat = (result: ServerResult | undefined) => (result ? `${f1(result.p50)} / ${f1(result.p99)}` : 'n/a');
  const rt = (result: ServerResult | undefined) => (result ? f2(result.roundTrips) : 'n/a');
  const err = (result: ServerResult | undefined) => (result ? String(result.errors) : '-');
  for (const run of results.runs) {
    const s = serversOf(run);
    lines.push(
      `| ${run.scenario} | ${run.connections} | ${lat(s.gateway)} | ${lat(s.peer)} | ${lat(s.direct)} | ${lat(s.baseline)} | ` +
        `${rt(s.gateway)}${run.expectedRoundTrips !== undefined ? ` (${run.expectedRoundTrips})` : ''} | ${rt(s.peer)} | ${rt(s.direct)} | ${rt(s.baseline)} | ` +
        `${err(s.gateway)} / ${err(s.peer)} / ${err(s.direct)} / ${err(s.baseline)} | ${s.gateway?.peakRssMiB == null ? 'n/a' : f0(s.gateway.peakRssMiB)} |`,
    );
  }
  return lines;
}

function dbTable(runs: DbCallRun[]): string[] {
  const lines = [
    '| call | function calls/s (rounds) | plain SQL calls/s (rounds) | function cost / plain | target (within 1.3x) | same rows |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const run of runs) {
    lines.push(
      `| ${run.name}: ${run.description} | ${f0(run.fnMedian)} (${run.fnRounds.map(f0).join(', ')}) | ${f0(run.plainMedian)} (${run.plainRounds.map(f0).join(', ')}) | ` +
        `${f2(run.costRatio)}x | ${run.costRatio <= 1.3 ? 'met' : 'not met'} | ${run.sameRows ? 'yes' : 'NO'} |`,
    );
  }
  return lines;
}

function find(results: BenchResults, scenario: string, connections: number): ScenarioRun | undefined {
  return results.runs.find((run) => run.scenario === scenario && run.connections === connections);
}

const mark = (met: boolean) => (met ? '**met**' : '**not met**');

function targets(results: BenchResults): string[] {
  const lines: string[] = [];
  for (const run of results.runs.filter((r) => r.scenario === 'list-full')) {
    const peer = run.ratios?.peer;
    const direct = run.ratios?.direct;
    lines.push(
      `- List of 50 with every field and transactions, ${run.connections} connections: gateway / PostGraphile v5 ${pct(peer)} ` +
        `(target at least 100%, aim 120%): ${peer === undefined ? 'not measured' : mark(peer >= 1)}; gateway / direct SQL ${pct(direct)} ` +
        `(target at least 75%): ${direct === undefined ? 'not measured' : mark(direct >= 0.75)}.`,
    );
  }
  for (const run of results.runs.filter((r) => r.scenario === 'customer-by-id')) {
    const direct = run.ratios?.direct;
    lines.push(
      `- \`customer(id)\`, ${run.connections} connections: gateway / direct SQL ${pct(direct)} (target at least 70%): ` +
        `${direct === undefined ? 'not measured' : mark(direct >= 0.7)}.`,
    );
  }
  if (results.dbCalls?.length) {
    const worst = results.dbCalls.reduce((a, b) => (b.costRatio > a.costRatio ? b : a));
    lines.push(
      `- Each SQL function within 1.3x of its plain SQL per call: ${mark(results.dbCalls.every((run) => run.costRatio <= 1.3))} ` +
        `(worst ${worst.name} at ${f2(worst.costRatio)}x; table below).`,
    );
  }
  const at64 = results.runs.filter((run) => run.connections === 64);
  const rss = at64.map((run) => serversOf(run).gateway?.peakRssMiB).filter((value): value is number => typeof value === 'number');
  if (rss.length) {
    const peak = Math.max(...rss);
    lines.push(`- Gateway peak RSS at 64 connections (all scenarios): ${f0(peak)} MiB (target under 300 MB): ${mark(peak * 1.048576 < 300)}.`);
  }
  const rt = (name: string) => {
    const runs = results.runs.filter((run) => run.scenario === name);
    return runs.length ? runs.map((run) => f2(serversOf(run).gateway?.roundTrips ?? run.gateway.roundTripsPerRequest)).join(', ') : 'n/a';
  };
  lines.push(
    `- Round trips per request (each connection count): list ${rt('list')} (target 1), list with total ${rt('list-total')} (2), ` +
      `list with transactions ${rt('list-transactions')} and ${rt('list-full')} (target 2). Authentication with a cached key adds none: ` +
      'the list scenarios would otherwise show one more per request.',
  );
  for (const connections of results.settings.connections) {
    const deep = find(results, 'deep-100k', connections);
    const first = find(results, 'page1-100k', connections);
    if (deep && first) {
      lines.push(
        `- Deep page (1000) vs first page, 100k organization, ${connections} connections: gateway p50 ${f1(deep.gateway.summary.latencyMs.p50)} ms vs ` +
          `${f1(first.gateway.summary.latencyMs.p50)} ms; ${f0(serversOf(deep).gateway?.rps ?? 0)} vs ${f0(serversOf(first).gateway?.rps ?? 0)} req/s.`,
      );
    }
  }
  for (const connections of results.settings.connections) {
    const deep = find(results, 'deep-cursor-100k', connections);
    const first = find(results, 'cursor-first-100k', connections);
    if (deep && first) {
      const ratio = (serversOf(deep).gateway?.rps ?? 0) / Math.max(1, serversOf(first).gateway?.rps ?? 0);
      lines.push(
        `- Cursor page 2000 vs cursor page 1, 100k organization, ${connections} connections (target: any depth costs what the first page costs): gateway p50 ` +
          `${f1(deep.gateway.summary.latencyMs.p50)} ms vs ${f1(first.gateway.summary.latencyMs.p50)} ms; ${f0(serversOf(deep).gateway?.rps ?? 0)} vs ` +
          `${f0(serversOf(first).gateway?.rps ?? 0)} req/s (${Math.round(ratio * 100)}%): **${ratio >= 0.9 ? 'met' : 'not met'}**.`,
      );
    }
  }
  const errors = results.runs.reduce((sum, run) => sum + Object.values(serversOf(run)).reduce((n, result) => n + (result?.errors ?? 0), 0), 0);
  lines.push(`- Errors (non-2xx, connection errors, timeouts, GraphQL \`errors\` in a 200), all servers: ${errors} in all.`);
  return lines;
}

function comparison(before: BenchResults, after: BenchResults): string[] {
  const lines = [
    `Before: ${before.date} (\`before.json\`: servers on Node ${before.machine.serverNode ?? before.machine.node}, ${before.settings.durationSeconds} s runs, ` +
      `${before.settings.rounds ?? 1} round(s)); after: ${after.date} (Node ${after.machine.serverNode ?? after.machine.node}, ${after.settings.durationSeconds} s runs, ` +
      `${after.settings.rounds ?? 1} round(s)). Throughput moves with the machine's other work between runs: the ratios within each run are the steadier measure.`,
    '',
    '| scenario | conns | req/s before → after | change | p50 ms before → after | p99 ms before → after | gateway / baseline before → after | round trips before → after |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const run of after.runs) {
    const old = find(before, run.scenario, run.connections);
    if (!old) continue;
    const b = old.gateway.summary;
    const a = run.gateway.summary;
    lines.push(
      `| ${run.scenario} | ${run.connections} | ${f0(b.rps)} → ${f0(a.rps)} | ${a.rps >= b.rps ? '+' : ''}${f0(((a.rps - b.rps) / b.rps) * 100)}% | ` +
        `${f1(b.latencyMs.p50)} → ${f1(a.latencyMs.p50)} | ${f1(b.latencyMs.p99)} → ${f1(a.latencyMs.p99)} | ${f0(old.ratio * 100)}% → ${f0(run.ratio * 100)}% | ` +
        `${f2(old.gateway.roundTripsPerRequest)} → ${f2(run.gateway.roundTripsPerRequest)} |`,
    );
  }
  return lines;
}

export function renderMarkdown(results: BenchResults, before: BenchResults | undefined, changes: string | undefined): string {
  const m = results.machine;
  const s = results.settings;
  const lines = [
    `# Gateway benchmark: ${results.label}`,
    '',
    `Run ${results.date} by \`npm run bench\` (bench/run.ts) in ${f0(results.totalSeconds)} s.`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${f1(m.memoryGiB)} GiB; ${m.os}`,
    `- Node: servers ${m.serverNode ?? m.node}, runner and load generator ${m.node}; ${m.postgres}`,
    '- The load generator (autocannon), the server under test and PostgreSQL share these cores, and other work ran on the ' +
      'machine at the same time: numbers are noisy (a few percent to tens of percent between runs). Compare ratios measured ' +
      'in the same run (gateway / baseline) rather than absolute numbers across runs.',
    '',
    '## Method',
    '',
    `- Data: ${results.data.organizations}; ${results.data.customers.toLocaleString('en-US')} customers and ` +
      `${results.data.transactions.toLocaleString('en-US')} transactions in all (seed_demo_customers, then VACUUM ANALYZE), seeded ${results.data.seededAt}.`,
    `- Gateway: \`node dist/src/main.js\` as its own process with ${Object.entries(s.gatewayEnv).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
    `- Baseline: bench/baseline-server.ts, node:http + a pg Pool of ${s.baselinePoolSize}, no framework or authentication: the same SQL ` +
      'functions with the same arguments, rows returned as JSON.',
    `- Direct SQL: bench/direct-server.ts, the same as the baseline but sending hand-written SQL (bench/plain-sql.ts) instead of the ` +
      'functions: what Node and PostgreSQL allow for the same rows.',
    `- Peer: PostGraphile v5 (Grafast) with postgraphile-plugin-connection-filter, PgIndexBehaviorsPlugin disabled, tables only ` +
      `(bench/peers, its own package and lockfile), pool of ${s.baselinePoolSize}; the same questions in its generic schema, the tenant as a condition ` +
      '(bench/scenarios.ts). Reads only: the writes go through the gateway\'s functions, which the peer does not call.',
    `- Load: autocannon in its own process (bench/load.ts) over 127.0.0.1; per scenario and connection count, ${s.rounds ?? 1} round(s) in which ` +
      `each server (${(s.servers ?? ['gateway', 'baseline']).join(', ')}) gets ${s.warmupSeconds} s warm-up then ${s.durationSeconds} s measured, taking turns ` +
      '(each round starts with the next server). Throughput is the median of the rounds, with the lowest and highest in brackets; ' +
      'latencies are the medians of the rounds\' percentiles. Each request is drawn at random from the scenario\'s prepared set ' +
      '(API keys of the ten organizations for the list scenarios, random customer ids, random names and patches).',
    '- Errors: non-2xx, socket errors and timeouts from autocannon, plus every 2xx body holding a GraphQL `errors` array (every body is checked).',
    `- Round trips: ${s.roundTripMethod}`,
    '- Peak RSS: the server process\'s VmHWM from /proc/<pid>/status, reset before each run by writing 5 to /proc/<pid>/clear_refs.',
    '',
    '## Results',
    '',
    ...runsTable(results),
    '',
    ...latencyTable(results),
    '',
    'Scenarios:',
    '',
    ...[...new Map(results.runs.map((run) => [run.scenario, run.description])).entries()].map(([name, text]) => `- **${name}**: ${text}.`),
    '',
    '## Targets',
    '',
    ...targets(results),
    '',
  ];
  if (results.dbCalls?.length) {
    lines.push(
      '## On the database: each SQL function vs its plain SQL, per call',
      '',
      `${results.dbCalls[0].clients} pg clients calling in a loop (bench/db-calls.ts), extended protocol with unnamed statements (as the ` +
        `servers send them), ${s.rounds ?? 1} rounds of ${s.dbSeconds ?? '?'} s per side, function and plain SQL taking turns; ` +
        'the plain SQL is the statement in bench/plain-sql.ts returning the same rows (checked once per call).',
      '',
      ...dbTable(results.dbCalls),
      '',
    );
  }
  if (before && before.date !== results.date) {
    lines.push('## Before and after', '', ...comparison(before, results), '');
  }
  if (changes) lines.push(changes.trim(), '');
  return lines.join('\n');
}

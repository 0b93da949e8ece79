/** The results file (JSON) and its markdown rendering, with a before/after comparison. */
import type { PhaseSummary } from './types';

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
  gateway: TargetRun;
  baseline: TargetRun;
  /** Gateway throughput / baseline throughput. */
  ratio: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
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
    gatewayEnv: Record<string, string>;
    baselinePoolSize: number;
    statsOverhead: number;
    roundTripMethod: string;
  };
  data: { customers: number; transactions: number; organizations: string; seededAt: string; searchTerm: string };
  runs: ScenarioRun[];
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

function runsTable(results: BenchResults): string[] {
  const lines = [
    '| scenario | conns | gateway req/s | gateway p50 / p90 / p99 ms | baseline req/s | baseline p50 / p90 / p99 ms | gateway / baseline | round trips gateway (target) | round trips baseline | errors gw / base | gateway peak RSS MiB |',
    '|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const run of results.runs) {
    lines.push(
      `| ${run.scenario} | ${run.connections} | ${f0(run.gateway.summary.rps)} | ${latency(run.gateway)} | ${f0(run.baseline.summary.rps)} | ${latency(run.baseline)} | ` +
        `${f0(run.ratio * 100)}% | ${f2(run.gateway.roundTripsPerRequest)}${run.expectedRoundTrips !== undefined ? ` (${run.expectedRoundTrips})` : ''} | ` +
        `${f2(run.baseline.roundTripsPerRequest)} | ${errorsOf(run.gateway)} / ${errorsOf(run.baseline)} | ${run.gateway.peakRssMiB === null ? 'n/a' : f0(run.gateway.peakRssMiB)} |`,
    );
  }
  return lines;
}

function find(results: BenchResults, scenario: string, connections: number): ScenarioRun | undefined {
  return results.runs.find((run) => run.scenario === scenario && run.connections === connections);
}

function targets(results: BenchResults): string[] {
  const lines: string[] = [];
  const at16 = (name: string) => find(results, name, 16);
  const tx = results.runs.filter((run) => run.scenario === 'list-transactions');
  for (const run of tx) {
    lines.push(`- List of 50 with transactions at ${run.connections} connections: ${f0(run.ratio * 100)}% of the baseline (target at least 60%): ${run.ratio >= 0.6 ? 'met' : 'not met'}.`);
  }
  for (const name of ['search-100k', 'active-100k']) {
    const run = at16(name);
    if (run) {
      const p50 = run.gateway.summary.latencyMs.p50;
      lines.push(`- ${name} p50 at 16 connections: ${f1(p50)} ms (target under 25 ms): ${p50 < 25 ? 'met' : 'not met'}.`);
    }
  }
  for (const connections of results.settings.connections) {
    const deep = find(results, 'deep-100k', connections);
    const first = find(results, 'page1-100k', connections);
    if (deep && first) {
      lines.push(
        `- Deep page (1000) vs first page, 100k organization, ${connections} connections: p50 ${f1(deep.gateway.summary.latencyMs.p50)} ms vs ` +
          `${f1(first.gateway.summary.latencyMs.p50)} ms; ${f0(deep.gateway.summary.rps)} vs ${f0(first.gateway.summary.rps)} req/s.`,
      );
    }
  }
  const rt = (name: string) => {
    const runs = results.runs.filter((run) => run.scenario === name);
    return runs.length ? runs.map((run) => f2(run.gateway.roundTripsPerRequest)).join(', ') : 'n/a';
  };
  lines.push(
    `- Round trips per request (each connection count): list ${rt('list')} (target 1), list with total ${rt('list-total')} (2), ` +
      `list with transactions ${rt('list-transactions')} (target 2; 3 with the total). Authentication with a cached key adds none: ` +
      'the list scenarios would otherwise show one more per request.',
  );
  const errors = results.runs.reduce((sum, run) => sum + errorsOf(run.gateway) + errorsOf(run.baseline), 0);
  lines.push(`- Errors (non-2xx, connection errors, timeouts, GraphQL \`errors\` in a 200): ${errors} in all.`);
  return lines;
}

function comparison(before: BenchResults, after: BenchResults): string[] {
  const lines = [
    `Before: ${before.date} (\`before.json\`); after: ${after.date}. Same machine, same data, same durations.`,
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
    `- Node ${m.node}; ${m.postgres}`,
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
    `- Load: autocannon in a third process (bench/load.ts) over 127.0.0.1; per scenario and connection count, ${s.warmupSeconds} s warm-up ` +
      `then ${s.durationSeconds} s measured, gateway then baseline. Each request is drawn at random from the scenario's prepared set ` +
      '(API keys of the ten organizations for the list scenarios, random customer ids, random names and patches).',
    '- Errors: non-2xx, socket errors and timeouts from autocannon, plus every 2xx body holding a GraphQL `errors` array (every body is checked).',
    `- Round trips: ${s.roundTripMethod}`,
    '- Peak RSS: the server process\'s VmHWM from /proc/<pid>/status, reset before each run by writing 5 to /proc/<pid>/clear_refs.',
    '',
    '## Results',
    '',
    ...runsTable(results),
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
  if (before && before.date !== results.date) {
    lines.push('## Before and after', '', ...comparison(before, results), '');
  }
  if (changes) lines.push(changes.trim(), '');
  return lines.join('\n');
}

/**
 * Named prepared statements against unnamed ones, per call, on the bench database (seeded by
 * `npm run bench`; this reads it and writes nothing): each call of the database-side scenario
 * (db-calls.ts), sent by a few pg clients in a loop, unnamed (parsed and planned on every call,
 * as with DB_POOL_MODE=transaction) and named (prepared once per connection, as the adapter does
 * by default), taking turns round after round; then the adapter itself (PgDatabase.rpc) both
 * ways. Prints a markdown table of medians and the named/unnamed ratio of the same run.
 *
 * Throughput on a loaded machine moves by tens of percent from one second to the next, so it
 * also measures what is steadier under load: the CPU time the PostgreSQL backend spends per call
 * (its /proc/<pid>/schedstat, in nanoseconds; PostgreSQL must run on this machine), one client
 * calling in blocks that alternate between the variants.
 *
 *   npm run build && node dist/bench/prepared-statements.js [--url postgres://...] [--seconds 2] [--rounds 5] [--clients 4] [--cpu-only | --set-local]
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { RpcArgs } from '../src/db/database';
import { postgresDatabase } from '../src/db/pg-database';
import type { DbCallPair } from './db-calls';
import { dbCallPairs } from './db-calls';
import type { BenchOrg } from './seed';

interface Call {
  text: string;
  values: unknown[];
}

interface Options {
  url: string;
  seconds: number;
  rounds: number;
  clients: number;
  /** false (--cpu-only): only the backend CPU per call. */
  throughput: boolean;
  /**
   * --set-local: instead of the above, the list call as sent with DB_POOL_MODE=transaction (one
   * statement) against the same call wrapped as `begin; set local statement_timeout; call;
   * commit` (4 round trips), the other way to bound it behind a transaction pooler; point --url
   * at the pooler.
   */
  setLocal: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { url: 'postgres://postgres@127.0.0.1:5432/gateway_bench', seconds: 2, rounds: 5, clients: 4, throughput: true, setLocal: false };
  for (let i = 0; i < argv.length; i += 1) {
    const next = () => argv[++i] ?? '';
    if (argv[i] === '--url') options.url = next();
    else if (argv[i] === '--seconds') options.seconds = Number(next());
    else if (argv[i] === '--rounds') options.rounds = Number(next());
    else if (argv[i] === '--clients') options.clients = Number(next());
    else if (argv[i] === '--cpu-only') options.throughput = false;
    else if (argv[i] === '--set-local') options.setLocal = true;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Calls per second of the workers (one per client), each calling in a loop for `seconds`. */
async function loop(workers: ((i: number) => Promise<unknown>)[], seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  const counts = await Promise.all(
    workers.map(async (work) => {
      let n = 0;
      while (Date.now() < deadline) await work(n++);
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0) / seconds;
}

/** The variants of one comparison, timed in turns (the order rotates each round); medians per variant. */
async function compare(variants: Record<string, (i: number) => Promise<unknown>>[], names: string[], options: Options): Promise<Record<string, { median: number; rounds: number[] }>> {
  const rounds: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) rounds[name].push(await loop(variants.map((v) => v[name]), options.seconds));
  }
  return Object.fromEntries(names.map((name) => [name, { median: median(rounds[name]), rounds: rounds[name] }]));
}

/** Ten calls of every variant on every client (one at a time per client, the clients at once). */
async function warmUp(variants: Record<string, (i: number) => Promise<unknown>>[]): Promise<void> {
  await Promise.all(
    variants.map(async (variant) => {
      for (let i = 0; i < 10; i += 1) for (const call of Object.values(variant)) await call(i);
    }),
  );
}

/** CPU time the process has run on so far, in nanoseconds (Linux). */
function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

/**
 * Backend CPU per call of each variant: `blocks` blocks of `calls` calls, the variants taking
 * turns block by block on one connection whose backend is `pid`; microseconds per call.
 */
async function cpuPerCall(pid: number, variant: Record<string, () => Promise<unknown>>, blocks: number, calls: number): Promise<Record<string, number>> {
  const spent: Record<string, number> = Object.fromEntries(Object.keys(variant).map((name) => [name, 0]));
  for (let block = 0; block < blocks; block += 1) {
    for (const [name, call] of Object.entries(variant)) {
      const before = cpuNs(pid);
      for (let i = 0; i < calls; i += 1) await call();
      spent[name] += cpuNs(pid) - before;
    }
  }
  return Object.fromEntries(Object.entries(spent).map(([name, ns]) => [name, ns / (blocks * calls) / 1000]));
}

/** The list call alone, and wrapped in a transaction that sets its timeout first: calls/s of each. */
async function compareSetLocal(options: Options, big: BenchOrg): Promise<string> {
  const [pair] = dbCallPairs(big, [], '');
  const clients = Array.from({ length: options.clients }, () => new pg.Client({ connectionString: options.url, application_name: 'bench-set-local' }));
  await Promise.all(clients.map((client) => client.connect()));
  try {
    const variants = clients.map((client) => ({
      'one statement': () => client.query(pair.fn.text, pair.fn.values),
      'begin, set local, call, commit': async () => {
        await client.query('begin');
        try {
          await client.query('set local statement_timeout = 5000');
          await client.query(pair.fn.text, pair.fn.values);
          await client.query('commit');
        } catch (error) {
          await client.query('rollback');
          throw error;
        }
      },
    }));
    await warmUp(variants);
    const r = await compare(variants, ['one statement', 'begin, set local, call, commit'], options);
    const spread = (x: { rounds: number[] }) => `${Math.min(...x.rounds).toFixed(0)}-${Math.max(...x.rounds).toFixed(0)}`;
    return [
      `${pair.name} through ${new URL(options.url).host}, ${options.clients} clients, ${options.rounds} rounds of ${options.seconds} s per variant, taking turns; calls/s, median (spread)`,
      '',
      '| one statement (1 round trip) | begin; set local statement_timeout; call; commit (4 round trips) | ratio |',
      '|---|---|---|',
      `| ${r['one statement'].median.toFixed(0)} (${spread(r['one statement'])}) | ${r['begin, set local, call, commit'].median.toFixed(0)} (${spread(r['begin, set local, call, commit'])}) | ` +
        `${(r['begin, set local, call, commit'].median / r['one statement'].median).toFixed(2)}x |`,
    ].join('\n');
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const admin = new pg.Client({ connectionString: options.url });
  await admin.connect();
  let big: BenchOrg;
  let pageIds: string[];
  try {
    const { rows } = await admin.query<{ organization_id: string; merchant_id: string; name: string; customers: number }>(
      "select organization_id, merchant_id, name, customers from bench_seed_orgs where role = 'read' order by customers desc limit 1",
    );
    if (rows.length === 0) throw new Error('the bench database is not seeded: run npm run bench first');
    big = { name: rows[0].name, organizationId: rows[0].organization_id, merchantId: rows[0].merchant_id, customers: rows[0].customers, apiKey: '' };
    const page = await admin.query<{ customer_id: string }>(
      'select customer_id from customers where organization_id = $1 and environment = $2 and not is_deleted order by created_at desc, customer_id desc limit 50',
      [big.organizationId, 'test'],
    );
    pageIds = page.rows.map((row) => row.customer_id);
  } finally {
    await admin.end();
  }

  if (options.setLocal) {
    process.stdout.write((await compareSetLocal(options, big)) + '\n');
    return;
  }
  const clients = Array.from({ length: options.clients }, () => new pg.Client({ connectionString: options.url, application_name: 'bench-prepared' }));
  await Promise.all(clients.map((client) => client.connect()));
  const lines = options.throughput
    ? [
        `${options.clients} clients, ${options.rounds} rounds of ${options.seconds} s per variant, the variants taking turns; calls/s, median (spread)`,
        '',
        '| call | function unnamed | function named | named / unnamed | plain SQL unnamed | plain SQL named | named / unnamed |',
        '|---|---|---|---|---|---|---|',
      ]
    : [];
  const spread = (r: { rounds: number[] }) => `${Math.min(...r.rounds).toFixed(0)}-${Math.max(...r.rounds).toFixed(0)}`;
  try {
    for (const pair of options.throughput ? (dbCallPairs(big, pageIds, pageIds[0]) as DbCallPair[]) : []) {
      const named = (call: Call, tag: string): pg.QueryConfig => ({ name: `bench_${pair.name}_${tag}`, text: call.text, values: call.values });
      const variants = clients.map((client) => ({
        'fn unnamed': () => client.query(pair.fn.text, pair.fn.values),
        'fn named': () => client.query(named(pair.fn, 'fn')),
        'plain unnamed': () => client.query(pair.plain.text, pair.plain.values),
        'plain named': () => client.query(named(pair.plain, 'plain')),
      }));
      // warm-up: PL/pgSQL prepares the functions' statements on the first calls of a session
      await warmUp(variants);
      const r = await compare(variants, ['fn unnamed', 'fn named', 'plain unnamed', 'plain named'], options);
      const line =
        `| ${pair.name} | ${r['fn unnamed'].median.toFixed(0)} (${spread(r['fn unnamed'])}) | ${r['fn named'].median.toFixed(0)} (${spread(r['fn named'])}) | ` +
        `${(r['fn named'].median / r['fn unnamed'].median).toFixed(2)}x | ${r['plain unnamed'].median.toFixed(0)} (${spread(r['plain unnamed'])}) | ` +
        `${r['plain named'].median.toFixed(0)} (${spread(r['plain named'])}) | ${(r['plain named'].median / r['plain unnamed'].median).toFixed(2)}x |`;
      process.stderr.write(line + '\n');
      lines.push(line);
    }
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }

  // Backend CPU per call, one connection, the variants alternating block by block.
  const one = new pg.Client({ connectionString: options.url, application_name: 'bench-prepared-cpu' });
  await one.connect();
  lines.push(
    '',
    'PostgreSQL backend CPU per call (µs, from /proc/<pid>/schedstat; one connection, 6 blocks of 100 calls per variant (count: 10), alternating):',
    '',
    '| call | function unnamed | function named | named / unnamed | plain SQL unnamed | plain SQL named | named / unnamed |',
    '|---|---|---|---|---|---|---|',
  );
  try {
    const [{ pid }] = (await one.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
    for (const pair of dbCallPairs(big, pageIds, pageIds[0]) as DbCallPair[]) {
      const named = (call: Call, tag: string): pg.QueryConfig => ({ name: `cpu_${pair.name}_${tag}`, text: call.text, values: call.values });
      const variant = {
        'fn unnamed': () => one.query(pair.fn.text, pair.fn.values),
        'fn named': () => one.query(named(pair.fn, 'fn')),
        'plain unnamed': () => one.query(pair.plain.text, pair.plain.values),
        'plain named': () => one.query(named(pair.plain, 'plain')),
      };
      await warmUp([variant]);
      const calls = pair.name === 'count' ? 10 : 100;
      const us = await cpuPerCall(pid, variant, 6, calls);
      const line =
        `| ${pair.name} | ${us['fn unnamed'].toFixed(0)} | ${us['fn named'].toFixed(0)} | ${(us['fn named'] / us['fn unnamed']).toFixed(2)}x | ` +
        `${us['plain unnamed'].toFixed(0)} | ${us['plain named'].toFixed(0)} | ${(us['plain named'] / us['plain unnamed']).toFixed(2)}x |`;
      process.stderr.write(line + '\n');
      lines.push(line);
    }
  } finally {
    await one.end();
  }

  // The adapter itself, as the gateway calls it: one pool each way, the same calls.
  const listArgs: RpcArgs = {
    p_organization_id: big.organizationId,
    p_environment: 'test',
    p_merchant_id: big.merchantId,
    p_search_term: null,
    p_customer_type: null,
    p_activity_status: null,
    p_offset: 0,
    p_limit: 50,
    p_include_total: false,
  };
  const txArgs: RpcArgs = { p_organization_id: big.organizationId, p_environment: 'test', p_customer_ids: pageIds, p_limit_per_customer: 5 };
  const prepared = postgresDatabase({ connectionString: options.url, statementTimeoutMs: 30_000, poolSize: options.clients });
  const unprepared = postgresDatabase({ connectionString: options.url, statementTimeoutMs: 30_000, poolSize: options.clients, poolMode: 'transaction' });
  if (options.throughput) lines.push('', '| adapter call (PgDatabase.rpc) | unnamed (DB_POOL_MODE=transaction) | named (default) | named / unnamed |', '|---|---|---|---|');
  try {
    for (const [name, fn, args] of options.throughput
      ? ([
          ['list page of 50', 'fetch_customers_with_status', listArgs],
          ['transactions of 50', 'fetch_transactions_for_customers', txArgs],
        ] as const)
      : []) {
      const variants = Array.from({ length: options.clients }, () => ({
        unnamed: () => unprepared.rpc(fn, args),
        named: () => prepared.rpc(fn, args),
      }));
      await warmUp(variants);
      const r = await compare(variants, ['unnamed', 'named'], options);
      const line = `| ${name} | ${r.unnamed.median.toFixed(0)} (${spread(r.unnamed)}) | ${r.named.median.toFixed(0)} (${spread(r.named)}) | ${(r.named.median / r.unnamed.median).toFixed(2)}x |`;
      process.stderr.write(line + '\n');
      lines.push(line);
    }
  } finally {
    await prepared.close();
    await unprepared.close();
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

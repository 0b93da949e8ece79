/**
 * What the customer counters (schema/sql/015) cost creates: clients call create_customer in
 * one tenant in a loop, round after round, with the counting trigger enabled and disabled in
 * turn (the order alternating, so drift in the machine's load falls on both), on a database of
 * its own that is dropped at the end. Reports, per number of clients, the creates per second
 * of each mode (median and spread of the rounds) and the server CPU time per create (the
 * clients' backends' time on the CPU from /proc, when the server runs on this machine),
 * which other work on the machine disturbs far less than throughput.
 *
 *   npm run build && node dist/bench/create-counts.js [--clients 8,16] [--seconds 4] [--rounds 8]
 *
 * DATABASE_URL: a server whose user may create databases (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createOrganization } from '../src/admin/admin';
import { migrate } from '../src/db/migrate';
import { postgresDatabase } from '../src/db/pg-database';

const TRIGGER = 'customers_count_inserted';

interface Options {
  clients: number[];
  seconds: number;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { clients: [8, 16], seconds: 4, rounds: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--clients') options.clients = value.split(',').map(Number);
    else if (flag === '--seconds') options.seconds = Number(value);
    else if (flag === '--rounds') options.rounds = Number(value);
    else throw new Error(`unknown option ${flag} (--clients 8,16 --seconds 4 --rounds 8)`);
  }
  if (options.clients.some((n) => !Number.isInteger(n) || n < 1) || !(options.seconds > 0) || !(options.rounds >= 1)) {
    throw new Error('--clients takes positive integers, --seconds and --rounds positive numbers');
  }
  return options;
}

/** CPU seconds a process has run (/proc/<pid>/schedstat, in nanoseconds), or undefined when it is not on this machine. */
function cpuSeconds(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return undefined;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

interface Round {
  perSecond: number;
  /** Server CPU microseconds per create, when measurable. */
  cpuMicros?: number;
}

async function round(clients: { client: pg.Client; pid: number }[], org: { organizationId: string; merchantId: string }, seconds: number): Promise<Round> {
  const cpuBefore = clients.map((c) => cpuSeconds(c.pid));
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  const done = await Promise.all(clients.map(async ({ client }, k) => {
    let n = 0;
    while (Date.now() < until) {
      await client.query(
        "select customer_id from create_customer(p_merchant_id => $1, p_organization_id => $2, p_environment => 'live', p_name => $3, p_email => $4, p_is_business => $5)",
        [org.merchantId, org.organizationId, `Bench ${k}-${n}`, `bench.${k}.${n}@example.com`, n % 5 === 0],
      );
      n++;
    }
    return n;
  }));
  const elapsed = (Date.now() - started) / 1000;
  const creates = done.reduce((a, b) => a + b, 0);
  const cpuAfter = clients.map((c) => cpuSeconds(c.pid));
  const cpu = cpuBefore.every((v) => v !== undefined) && cpuAfter.every((v) => v !== undefined)
    ? cpuAfter.reduce<number>((sum, v, i) => sum + (v ?? 0) - (cpuBefore[i] ?? 0), 0)
    : undefined;
  return { perSecond: creates / elapsed, ...(cpu === undefined ? {} : { cpuMicros: (cpu * 1e6) / creates }) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_counts_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = postgresDatabase({ connectionString: url.toString(), statementTimeoutMs: 0, poolSize: 1 });
  try {
    await migrate(db);
    const org = await createOrganization(db, 'Create bench');
    const setTrigger = (on: boolean) => db.session((s) => s.query(`alter table customers ${on ? 'enable' : 'disable'} trigger ${TRIGGER}`));
    const lines: string[] = [];
    for (const count of options.clients) {
      const clients = await Promise.all(Array.from({ length: count }, async () => {
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
        return { client, pid: rows[0].pid };
      }));
      try {
        // warm-up: plans cached in every session, the tenant's first counter rows made
        await setTrigger(true);
        await round(clients, org, 1);
        const results: Record<'with' | 'without', Round[]> = { with: [], without: [] };
        for (let r = 0; r < options.rounds; r++) {
          for (const mode of r % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
            await setTrigger(mode === 'with');
            results[mode].push(await round(clients, org, options.seconds));
          }
        }
        await setTrigger(true);
        const summary = (mode: 'with' | 'without') => {
          const rates = results[mode].map((x) => x.perSecond);
          const cpu = results[mode].flatMap((x) => (x.cpuMicros === undefined ? [] : [x.cpuMicros]));
          return { rate: median(rates), min: Math.min(...rates), max: Math.max(...rates), cpu: cpu.length ? median(cpu) : undefined };
        };
        const [on, off] = [summary('with'), summary('without')];
        const pairs = results.with.map((x, i) => x.perSecond / results.without[i].perSecond);
        lines.push(
          `${count} clients, ${options.rounds} rounds of ${options.seconds} s per mode: ` +
            `without counters ${off.rate.toFixed(0)} creates/s (${off.min.toFixed(0)}-${off.max.toFixed(0)}), ` +
            `with ${on.rate.toFixed(0)} (${on.min.toFixed(0)}-${on.max.toFixed(0)}); ratio of medians ${(on.rate / off.rate).toFixed(3)}, ` +
            `median of the rounds' ratios ${median(pairs).toFixed(3)}` +
            (on.cpu !== undefined && off.cpu !== undefined
              ? `; server CPU per create ${off.cpu.toFixed(0)} µs without, ${on.cpu.toFixed(0)} µs with (${(on.cpu / off.cpu).toFixed(3)}x)`
              : ''),
        );
        process.stdout.write(`${lines[lines.length - 1]}\n`);
      } finally {
        await Promise.all(clients.map((c) => c.client.end()));
      }
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`load average at the end: ${load}\n`);
  } finally {
    await db.close();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * `npm run fuzz`: starts the gateway on a database of its own, seeds three tenants, sends
 * generated hostile requests and judges every answer (fuzz/oracle.ts). Prints a summary; when
 * anything is found, writes the failing cases to a file that `--replay` sends again.
 *
 *   npm run fuzz -- --requests 20000 --seed 42
 *   npm run fuzz -- --database postgres://postgres@127.0.0.1:5432/test
 *   npm run fuzz -- --replay fuzz-results/findings-42.json
 *
 * Options: --requests N (2000), --seed S (random, printed), --database URL (a PostgreSQL server
 * whose user may create databases; default TEST_DATABASE_URL, else the embedded database),
 * --concurrency N (4), --timeout MS (10000), --out FILE, --replay FILE, --first I (the first
 * case's index: --seed S --first I --requests 1 sends one case again), --skip family,...
 */
import 'reflect-metadata';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { postgresDatabase } from '../src/db/pg-database';
import { memoryDatabase } from '../src/db/pglite';
import type { SqlDatabase } from '../src/db/sql-database';
import { createLogger } from '../src/logger';
import { createServer } from '../src/server';
import type { Family, FuzzCase } from './cases';
import { FAMILIES } from './cases';
import type { FuzzReport, StoredCase } from './fuzz';
import { generatedCases, loadCase, runCases, storeCase, summary } from './fuzz';
import { caseContext, ErrorLog, FUZZ_GATEWAY_ENV } from './setup';
import { seedTenants } from './tenants';

interface Options {
  requests: number;
  seed: number;
  first: number;
  database: string | undefined;
  concurrency: number;
  timeoutMs: number;
  out: string | undefined;
  replay: string | undefined;
  skip: Family[];
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    requests: 2000,
    seed: randomInt(1, 2 ** 31 - 1),
    first: 0,
    database: process.env.TEST_DATABASE_URL || undefined,
    concurrency: 4,
    timeoutMs: 10_000,
    out: undefined,
    replay: undefined,
    skip: [],
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const whole = (min: number): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) throw new Error(`${arg} must be a whole number of at least ${min}`);
      return n;
    };
    if (arg === '--requests') options.requests = whole(1);
    else if (arg === '--seed') options.seed = whole(0);
    else if (arg === '--first') options.first = whole(0);
    else if (arg === '--database') options.database = value();
    else if (arg === '--concurrency') options.concurrency = whole(1);
    else if (arg === '--timeout') options.timeoutMs = whole(100);
    else if (arg === '--out') options.out = value();
    else if (arg === '--replay') options.replay = value();
    else if (arg === '--skip') {
      const names = value().split(',');
      for (const name of names) if (!(FAMILIES as readonly string[]).includes(name)) throw new Error(`--skip: unknown family ${name} (known: ${FAMILIES.join(', ')})`);
      options.skip = names as Family[];
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${readFileSync(__filename, 'utf8').split('*/')[0].replace(/^\/\*\*?|^ \* ?/gm, '')}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  return options;
}

const log = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

/** A migrated database for this run only: embedded in memory, or a new PostgreSQL database dropped at the end. */
async function openDatabase(adminUrl: string | undefined): Promise<{ db: SqlDatabase; drop: () => Promise<void>; label: string }> {
  if (!adminUrl) {
    const db = await memoryDatabase();
    await migrate(db);
    return { db, drop: () => db.close(), label: 'embedded (PGlite, in memory)' };
  }
  const name = `gateway_fuzz_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = postgresDatabase({ connectionString: url.toString(), statementTimeoutMs: 5000, poolSize: 10 });
  await migrate(db);
  return {
    db,
    label: `PostgreSQL (${url.host}, database ${name})`,
    drop: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const { db, drop, label } = await openDatabase(options.database);
  const errors = new ErrorLog();
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'warn', ...FUZZ_GATEWAY_ENV });
  const server = await createServer({ config, db, logger: createLogger(config.logLevel, errors.destination) });
  const uncaught: string[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  let report: FuzzReport;
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const tenants = await seedTenants(db, config.apiKeyPrefix);
    const context = await caseContext(port, tenants, options.skip);
    let cases: Iterable<FuzzCase>;
    if (options.replay) {
      const stored = JSON.parse(readFileSync(options.replay, 'utf8')) as { cases: StoredCase[] };
      cases = stored.cases.map(loadCase);
      log(`replaying ${stored.cases.length} cases from ${options.replay} on ${label}`);
    } else {
      cases = generatedCases(options.seed, options.requests, context, options.first);
      log(`${options.requests} requests, seed ${options.seed}, on ${label}, ${options.concurrency} at a time`);
    }
    report = await runCases(cases, {
      target: { port, drainErrors: () => errors.drain() },
      oracle: { forbidden: tenants.forbidden },
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      healthEvery: 250,
      onProgress: (done, findings) => {
        if (done % 1000 === 0) log(`${done} sent, ${findings} findings`);
      },
    });
  } finally {
    await server.stop();
    await drop();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  for (const text of uncaught) report.findings.push({ seed: options.seed, index: -1, family: 'unknown', problem: 'uncaught exception', detail: text });
  process.stdout.write(`${summary(report, options.replay ? undefined : options.seed)}\n`);
  if (report.findings.length === 0) return 0;
  const out = options.out ?? path.join('fuzz-results', `findings-${options.replay ? 'replay' : options.seed}.json`);
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ seed: options.seed, database: label, findings: report.findings, cases: report.failing.map(storeCase) }, null, 2)}\n`);
  process.stdout.write(`failing cases written to ${out}; send them again with: npm run fuzz -- --replay ${out}\n`);
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);

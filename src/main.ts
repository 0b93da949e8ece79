import 'reflect-metadata';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDemo } from './admin/admin';
import type { Config } from './config';
import { ConfigError, loadConfig } from './config';
import type { Database } from './db/database';
import { DatabaseError } from './db/errors';
import { migrateAtStart, openDatabase } from './db/open';
import { isSqlDatabase } from './db/sql-database';
import type { Logger } from './logger';
import { createLogger, prettyStdout, wantsPrettyLogs } from './logger';
import type { GatewayServer } from './server';
import { createServer } from './server';

const DEMO_KEY_FILE = 'demo-api-key';

/** The demo key, to print (never in production), and the file that keeps it, if any. */
interface DemoKey {
  key: string | undefined;
  file: string | undefined;
}

function writeKeyFile(dataDir: string, key: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DEMO_KEY_FILE);
  writeFileSync(file, key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/**
 * Demo data: an organization, a few hundred customers with transactions, and a test-environment
 * key. Made on a fresh embedded database outside production, and anywhere with SEED_DEMO=true.
 * On the embedded database the key is kept in DATA_DIR/demo-api-key (mode 0600) so a restart
 * prints it again. In production no key is ever printed: it is only written to that file.
 */
async function ensureDemo(config: Config, db: Database, logger: Logger): Promise<DemoKey | undefined> {
  const embedded = config.database.kind === 'pglite';
  const keyFile = path.join(config.dataDir, DEMO_KEY_FILE);
  if (embedded && existsSync(keyFile)) {
    return { key: config.production ? undefined : readFileSync(keyFile, 'utf8').trim(), file: keyFile };
  }
  if (!config.seedDemo && (!embedded || config.production)) return undefined;

  const demo = await createDemo(db, {
    name: 'Demo Merchant',
    customers: config.demoCustomers,
    transactionsPerCustomer: 3,
    prefix: config.apiKeyPrefix,
    keyName: 'Demo key',
  });
  const file = embedded || config.production ? writeKeyFile(config.dataDir, demo.apiKey) : undefined;
  logger.info({ organizationId: demo.organizationId, customers: config.demoCustomers }, 'demo data created');
  return { key: config.production ? undefined : demo.apiKey, file };
}

/** For the person at the terminal, on stderr: stdout carries only the JSON log. */
function printWelcome(port: number, demo: DemoKey | undefined, config: Config): void {
  const base = `http://localhost:${port}`;
  const lines = [
    '',
    `GraphQL endpoint: ${base}/graphql`,
    config.production ? undefined : `Apollo Sandbox: open ${base}/graphql in a browser (it opens on an example${demo?.key ? ', with the demo key' : ''})`,
    `Explorer that works offline: ${base}/explorer   REST API docs: ${base}/docs`,
    demo?.key ? `Demo API key (test environment): ${demo.key}` : undefined,
    !demo?.key && demo?.file ? `Demo API key (test environment): in ${demo.file} (never printed in production)` : undefined,
    demo?.key
      ? `Try it: curl -s ${base}/graphql -H 'content-type: application/json' -H 'x-api-key: ${demo.key}' ` +
        `-d '{"query":"{ customers(pageSize: 3) { customers { id name email } pagination { totalCount } } }"}'`
      : undefined,
    '',
  ];
  process.stderr.write(lines.filter((line) => line !== undefined).join('\n') + '\n');
}

/**
 * Under `npm start`, npm is this process's parent. If npm goes away without the signal
 * reaching this process (killed outright, or a shell between them that does not pass signals
 * on), stop as if told to, rather than live on as an orphan holding the port and DATA_DIR.
 */
function stopWithParent(stop: (reason: string) => void): void {
  if (process.env.npm_lifecycle_event !== 'start') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent process exited');
  }, 500).unref();
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, wantsPrettyLogs(config, process.stdout.isTTY === true) ? prettyStdout() : undefined);

  // The signal handlers go in before anything is opened or printed: a SIGTERM that arrives
  // right after the welcome lines (or during migrations) must drain and close, never kill the
  // process with the database half written or the lock file left behind.
  let db: Promise<Database | undefined> = Promise.resolve(undefined);
  let server: GatewayServer | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    // Not unref'd on purpose: once the HTTP server is closed, this timer is what keeps the
    // process alive until the database has closed (PGlite's close holds no handle of its own).
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    Promise.resolve(server?.stop())
      .then(() => {
        logger.info('http server stopped; closing the database');
        return db.then((opened) => opened?.close());
      })
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  stopWithParent(shutdown);

  const opening = openDatabase(config);
  db = opening.then(
    (opened) => opened,
    () => undefined,
  );
  let database: Database;
  try {
    database = await opening;
  } catch (error) {
    process.stderr.write(`cannot open the database: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (stopping) return;
  // On Supabase the schema is applied with psql or `supabase db push` (docs/supabase.md): the
  // gateway holds only the service-role key, which cannot run DDL.
  if (isSqlDatabase(database)) {
    const applied = await migrateAtStart(config, database);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  if (stopping) return;
  const demo = await ensureDemo(config, database, logger);
  if (stopping) return;
  // The pages offer the demo key to this machine's browser only on the embedded demo data.
  server = await createServer({ config, db: database, logger, demoKey: config.database.kind === 'pglite' ? demo?.key : undefined });
  if (stopping) return;
  const address = await server.listen(config.port, config.host);
  logger.info({ port: address.port, database: database.kind }, 'gateway listening');
  printWelcome(address.port, demo, config);
}

/**
 * One line for the operator. A database that refuses or drops the connection (a pooler refusing
 * a startup parameter, bad credentials, no such database) is named in the driver's own words:
 * the operator owns that database, and DatabaseError alone says only its kind.
 */
function startFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof DatabaseError) || !(error.cause instanceof Error)) return message;
  const code = error.code ?? '';
  const connection = error.kind === 'unavailable' || code.startsWith('3D') || code.startsWith('28');
  return connection ? `${message}: ${error.cause.message}` : message;
}

main().catch((error: unknown) => {
  process.stderr.write(`the gateway failed to start: ${startFailure(error)}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDemo } from './admin/admin';
import type { Config } from './config';
import { ConfigError, loadConfig } from './config';
import type { Database } from './db/database';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open';
import { isSqlDatabase } from './db/sql-database';
import type { Logger } from './logger';
import { createLogger } from './logger';
import { createServer } from './server';

const DEMO_KEY_FILE = 'demo-api-key';

/**
 * Demo data for a first run: an organization, a few hundred customers with transactions, and
 * a test-environment key. On the embedded database the key is kept in DATA_DIR (mode 0600) so
 * a restart prints it again; elsewhere it is printed once.
 */
async function ensureDemo(config: Config, db: Database, logger: Logger): Promise<string | undefined> {
  const keyFile = config.database.kind === 'pglite' ? path.join(config.database.dataDir, DEMO_KEY_FILE) : undefined;
  if (keyFile && existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  if (config.database.kind !== 'pglite' && !config.seedDemo) return undefined;

  const demo = await createDemo(db, {
    name: 'Demo Merchant',
    customers: config.demoCustomers,
    transactionsPerCustomer: 3,
    prefix: config.apiKeyPrefix,
    keyName: 'Demo key',
  });
  if (keyFile) {
    writeFileSync(keyFile, demo.apiKey + '\n', { mode: 0o600 });
    chmodSync(keyFile, 0o600);
  }
  logger.info({ organizationId: demo.organizationId, customers: config.demoCustomers }, 'demo data created');
  return demo.apiKey;
}

function printWelcome(port: number, demoKey: string | undefined, config: Config): void {
  const base = `http://localhost:${port}`;
  const lines = [
    '',
    `GraphQL endpoint: ${base}/graphql`,
    config.production ? undefined : `Apollo Sandbox: open ${base}/graphql in a browser (it opens on an example${demoKey ? ', with the demo key' : ''})`,
    `Explorer that works offline: ${base}/explorer   REST API docs: ${base}/docs`,
    demoKey ? `Demo API key (test environment): ${demoKey}` : undefined,
    demoKey
      ? `Try it: curl -s ${base}/graphql -H 'content-type: application/json' -H 'x-api-key: ${demoKey}' ` +
        `-d '{"query":"{ customers(pageSize: 3) { customers { id name email } pagination { totalCount } } }"}'`
      : undefined,
    '',
  ];
  process.stdout.write(lines.filter((line) => line !== undefined).join('\n') + '\n');
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
  const logger = createLogger(config.logLevel);
  let db: Database;
  try {
    db = await openDatabase(config);
  } catch (error) {
    process.stderr.write(`cannot open the database: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  // On Supabase the schema is applied with psql or `supabase db push` (docs/supabase.md): the
  // gateway holds only the service-role key, which cannot run DDL.
  if (isSqlDatabase(db)) {
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const demoKey = await ensureDemo(config, db, logger);
  // The pages offer the demo key to this machine's browser only on the embedded demo data.
  const server = await createServer({ config, db, logger, demoKey: config.database.kind === 'pglite' ? demoKey : undefined });
  const address = await server.listen(config.port, config.host);
  logger.info({ port: address.port, database: db.kind }, 'gateway listening');
  printWelcome(address.port, demoKey, config);

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
    server
      .stop()
      .then(() => { logger.info('http server stopped; closing the database'); return db.close(); })
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
}

main().catch((error: unknown) => {
  process.stderr.write(`the gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

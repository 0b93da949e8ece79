import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { postgresDatabase } from '../../src/db/pg-database';
import { memoryDatabase } from '../../src/db/pglite';
import { ADMIN_URL, databaseUrl, RUN_DB_URL_VAR, TEMPLATE_VAR } from './test-env';

const PREFIX = 'gateway_test_';
const STALE_AFTER_MS = 3 * 60 * 60 * 1000;

/** Drops databases of earlier runs that died before their teardown. */
async function dropStale(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [PREFIX + '%']);
  for (const { datname } of rows) {
    const started = Number(datname.slice(PREFIX.length).split('_')[0]);
    if (Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS) {
      await admin.query(`drop database if exists "${datname}" with (force)`);
    }
  }
}

export default async function globalSetup(): Promise<void> {
  if (ADMIN_URL) {
    const name = `${PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await dropStale(admin);
      await admin.query(`create database "${name}"`);
    } finally {
      await admin.end();
    }
    const url = databaseUrl(ADMIN_URL, name);
    process.env[RUN_DB_URL_VAR] = url;
    const db = postgresDatabase({ connectionString: url, statementTimeoutMs: 30000, poolSize: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    return;
  }
  const db = await memoryDatabase();
  try {
    await migrate(db);
    const file = path.join(os.tmpdir(), `gateway-test-template-${process.pid}.tar`);
    writeFileSync(file, await db.dumpDataDir());
    process.env[TEMPLATE_VAR] = file;
  } finally {
    await db.close();
  }
}

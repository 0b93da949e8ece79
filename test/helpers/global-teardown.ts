import { rmSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_URL, RUN_DB_URL_VAR, TEMPLATE_VAR } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_VAR];
  if (template) rmSync(template, { force: true });
  const runUrl = process.env[RUN_DB_URL_VAR];
  if (ADMIN_URL && runUrl) {
    const name = new URL(runUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end();
    }
  }
}

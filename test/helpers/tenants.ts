import type { EnvironmentName } from '../../src/auth/api-keys';
import * as admin from '../../src/admin/admin';
import type { Database } from '../../src/db/database';
import type { SqlDatabase } from '../../src/db/sql-database';
import { openTestDatabase } from './database';

export type { EnvironmentName };

export interface TestTenant {
  organizationId: string;
  merchantId: string;
  environment: EnvironmentName;
}

let counter = 0;

/** A new organization (with its first merchant) for one test. */
export async function createOrganization(db: Database, name = `Org ${++counter}`): Promise<{ organizationId: string; merchantId: string }> {
  return { ...(await admin.createOrganization(db, name)) };
}

export async function createTenant(db: Database, environment: EnvironmentName = 'test'): Promise<TestTenant> {
  return { ...(await createOrganization(db)), environment };
}

/**
 * The fixture of the SQL-function tests: the run's test database and a new tenant in it.
 * `beforeAll(async () => ({ db, tenant: t } = await openDatabaseWithTenant()))`.
 */
export async function openDatabaseWithTenant(environment: EnvironmentName = 'test'): Promise<{ db: SqlDatabase; tenant: TestTenant }> {
  const db = await openTestDatabase();
  return { db, tenant: await createTenant(db, environment) };
}

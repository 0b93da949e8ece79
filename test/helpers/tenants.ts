import type { EnvironmentName } from '../../src/auth/api-keys';
import * as admin from '../../src/admin/admin';
import type { Database } from '../../src/db/database';
import type { SqlDatabase } from '../../src/db/sql-database';
import { useTestDatabase } from './database';

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
 * The fixture of the SQL-function tests: the run's test database (useTestDatabase) and a new
 * tenant in it, made in beforeAll: `const { db, tenant } = useDatabaseWithTenant()`.
 */
export function useDatabaseWithTenant(environment: EnvironmentName = 'test'): { db: SqlDatabase; tenant: TestTenant } {
  const db = useTestDatabase();
  const tenant = {} as TestTenant;
  beforeAll(async () => void Object.assign(tenant, await createTenant(db, environment)));
  return { db, tenant };
}

/**
 * The benchmark's data, made once and reused: ten organizations (one of 100,000 customers, nine
 * of 10,000, about three transactions each in every status, by seed_demo_customers, which is
 * set-based), and one small organization of its own for the write scenarios. A row in
 * `bench_seed` marks a finished seed; `--reseed` truncates the domain tables and starts over.
 * API keys are stored hashed, so new ones are made on every run.
 */
import { createApiKey, createOrganization, seedDemoCustomers } from '../src/admin/admin';
import type { PgDatabase } from '../src/db/pg-database';
import type { SqlSession } from '../src/db/sql-database';

/** Bump when the shape of the seed changes, so an old one is redone. */
const SEED_VERSION = 1;

export const BIG_ORG_CUSTOMERS = 100_000;
export const SMALL_ORG_CUSTOMERS = 10_000;
export const SMALL_ORGS = 9;
export const WRITE_ORG_CUSTOMERS = 2_000;
const TRANSACTIONS_PER_CUSTOMER = 3;

export interface BenchOrg {
  name: string;
  organizationId: string;
  merchantId: string;
  customers: number;
  /** A test-environment key made for this run. */
  apiKey: string;
}

export interface BenchData {
  /** The 100,000-customer organization first, then the nine of 10,000. */
  readOrgs: BenchOrg[];
  /** The organization the create and update scenarios write to. */
  writeOrg: BenchOrg;
  /** Random ids of the big organization's customers, for `customer(id)`. */
  bigOrgCustomerIds: string[];
  /** Ids of the write organization's customers, for `updateCustomer`. */
  writeOrgCustomerIds: string[];
  customers: number;
  transactions: number;
  seededAt: string;
  seedSeconds: number | null;
}

type SeedRow = {
  name: string;
  organization_id: string;
  merchant_id: string;
  customers: number;
  role: 'read' | 'write';
};

async function seedOrg(db: PgDatabase, session: SqlSession, name: string, customers: number, role: 'read' | 'write'): Promise<void> {
  const org = await createOrganization(db, name);
  await seedDemoCustomers(db, { organizationId: org.organizationId, environment: 'test', customers, transactionsPerCustomer: TRANSACTIONS_PER_CUSTOMER });
  await session.query('insert into bench_seed_orgs (name, organization_id, merchant_id, customers, role) values ($1, $2, $3, $4, $5)', [
    name,
    org.organizationId,
    org.merchantId,
    customers,
    role,
  ]);
}

/** Seeds unless a finished seed of this version is there (or `reseed`). Returns seconds spent, or null when reused. */
async function ensureSeeded(db: PgDatabase, reseed: boolean, log: (line: string) => void): Promise<number | null> {
  return db.session(async (session) => {
    await session.exec(`
      create table if not exists bench_seed (version integer not null, seeded_at timestamptz not null default now());
      create table if not exists bench_seed_orgs (
        name text not null, organization_id uuid not null, merchant_id uuid not null,
        customers integer not null, role text not null);`);
    const [done] = await session.query<{ version: number }>('select version from bench_seed order by seeded_at desc limit 1');
    if (done?.version === SEED_VERSION && !reseed) return null;

    const started = Date.now();
    log(reseed ? 'reseeding: emptying the domain tables' : 'seeding (once; later runs reuse it)');
    // The bench database is the benchmark's own: emptying it is safe.
    await session.exec('truncate bench_seed, bench_seed_orgs, transactions, customers, api_keys, merchants, organizations cascade');
    await seedOrg(db, session, 'Bench 100k', BIG_ORG_CUSTOMERS, 'read');
    for (let i = 1; i <= SMALL_ORGS; i += 1) {
      await seedOrg(db, session, `Bench 10k #${i}`, SMALL_ORG_CUSTOMERS, 'read');
      log(`  seeded ${i + 1}/${SMALL_ORGS + 1} organizations`);
    }
    await seedOrg(db, session, 'Bench writes', WRITE_ORG_CUSTOMERS, 'write');
    // Fresh statistics, so the plans are the ones a settled production database would get.
    // One statement per call: VACUUM refuses to run inside a multi-statement (implicit) transaction.
    for (const table of ['customers', 'transactions', 'organizations', 'merchants', 'api_keys']) await session.exec(`vacuum analyze ${table}`);
    await session.query('insert into bench_seed (version) values ($1)', [SEED_VERSION]);
    const seconds = (Date.now() - started) / 1000;
    log(`seeded in ${seconds.toFixed(1)} s`);
    return seconds;
  });
}

export async function prepareData(db: PgDatabase, options: { reseed: boolean; log: (line: string) => void }): Promise<BenchData> {
  const seedSeconds = await ensureSeeded(db, options.reseed, options.log);
  return db.session(async (session) => {
    const orgs = await session.query<SeedRow>('select * from bench_seed_orgs order by role, customers desc, name');
    const withKeys: BenchOrg[] = [];
    for (const row of orgs) {
      const key = await createApiKey(db, { organizationId: row.organization_id, environment: 'test', prefix: 'lomi', name: `bench ${new Date().toISOString()}` });
      withKeys.push({ name: row.name, organizationId: row.organization_id, merchantId: row.merchant_id, customers: row.customers, apiKey: key.apiKey });
    }
    const readOrgs = withKeys.filter((_, i) => orgs[i].role === 'read');
    const writeOrg = withKeys.find((_, i) => orgs[i].role === 'write');
    if (!writeOrg || readOrgs.length !== SMALL_ORGS + 1) throw new Error('the bench seed is incomplete: run with --reseed');
    const sample = async (org: BenchOrg, n: number) =>
      (
        await session.query<{ customer_id: string }>(
          'select customer_id from customers where organization_id = $1 and environment = $2 and not is_deleted order by random() limit $3',
          [org.organizationId, 'test', n],
        )
      ).map((row) => row.customer_id);
    const [counts] = await session.query<{ customers: string; transactions: string }>(
      'select (select count(*) from customers) as customers, (select count(*) from transactions) as transactions',
    );
    const [seeded] = await session.query<{ seeded_at: Date }>('select seeded_at from bench_seed order by seeded_at desc limit 1');
    return {
      readOrgs,
      writeOrg,
      bigOrgCustomerIds: await sample(readOrgs[0], 2000),
      writeOrgCustomerIds: await sample(writeOrg, 1000),
      customers: Number(counts.customers),
      transactions: Number(counts.transactions),
      seededAt: seeded.seeded_at.toISOString(),
      seedSeconds,
    };
  });
}

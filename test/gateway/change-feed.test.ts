import type { SqlDatabase } from '../../src/db/sql-database';
import type { CustomerChangesQuery } from '../generated/graphql';
import { CustomerChangesDocument } from '../generated/graphql';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { usingPostgres } from '../helpers/test-env';

/**
 * The change feed over real HTTP: what enters it (creates, updates, deletes, restores,
 * erasures, writes that bypass the functions), what does not (transactions, updates that
 * change nothing), paging, bounds, foreign and changed cursors, and on PostgreSQL a reader
 * syncing while concurrent writers commit out of order.
 *
 * A feed read returns the changes of transactions older than every transaction still
 * running in the database cluster, so on a shared PostgreSQL server another client's long
 * transaction delays what a read sees (never what it eventually sees): the tests that wait
 * for a change to arrive poll until it does, within a bound.
 */

type Feed = CustomerChangesQuery['customerChanges'];
type Change = Feed['changes'][number];

interface Tenant {
  key: string;
  organizationId: string;
  merchantId: string;
}

const CREATE = `mutation ($name: String!, $email: String) { createCustomer(input: { name: $name, email: $email }) { id version } }`;
const UPDATE = `mutation ($id: ID!, $name: String) { updateCustomer(id: $id, input: { name: $name }) { id version } }`;
const DELETE = `mutation ($id: ID!) { deleteCustomer(id: $id) { id } }`;
const RESTORE = `mutation ($id: ID!) { restoreCustomer(id: $id) { id } }`;
const ERASE = `mutation ($id: ID!) { eraseCustomer(id: $id) { id } }`;

async function feed(gw: TestGateway, key: string, since: string | null, first?: number): Promise<Feed> {
  const res = await gw.gql(CustomerChangesDocument, { since, first }, { key });
  if (!res.body.data) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.customerChanges;
}

/** A client's offline copy: customers by id, as the feed gave them. */
class Replica {
  readonly customers = new Map<string, NonNullable<Change['customer']>>();
  cursor: string | null = null;
  pages: Feed[] = [];

  constructor(
    private readonly gw: TestGateway,
    private readonly key: string,
    private readonly first = 100,
  ) {}

  /** Calls the feed until hasMore is false, applying each page. */
  async sync(): Promise<Change[]> {
    const seen: Change[] = [];
    for (let i = 0; i < 10_000; i++) {
      const page = await feed(this.gw, this.key, this.cursor, this.first);
      this.pages.push(page);
      const ids = page.changes.map((c) => c.id);
      // each customer at most once per page
      expect(new Set(ids).size).toBe(ids.length);
      for (const change of page.changes) {
        expect(change.deleted).toBe(change.customer === null);
        if (change.customer) this.customers.set(change.id, change.customer);
        else this.customers.delete(change.id);
      }
      seen.push(...page.changes);
      this.cursor = page.cursor;
      if (!page.hasMore) return seen;
    }
    throw new Error('the feed did not end');
  }

  /** Syncs until `done` holds (other clients' open transactions can delay a change), at most a minute. */
  async syncUntil(done: (seen: Change[]) => boolean): Promise<Change[]> {
    const seen: Change[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      seen.push(...(await this.sync()));
      if (done(seen) || Date.now() > deadline) return seen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The tenant's live customers as the database holds them. */
async function databaseCopy(gw: TestGateway, tenant: Tenant): Promise<Map<string, { name: string; email: string | null; version: number }>> {
  const rows = await (gw.db.inner as SqlDatabase).session((s) =>
    s.query<{ customer_id: string; name: string; email: string | null; version: number }>(
      "select customer_id, name, email, version from customers where organization_id = $1 and environment = 'test' and not is_deleted",
      [tenant.organizationId],
    ),
  );
  return new Map(rows.map((row) => [row.customer_id, { name: row.name, email: row.email, version: row.version }]));
}

function replicaCopy(replica: Replica): Map<string, { name: string; email: string | null; version: number }> {
  return new Map([...replica.customers].map(([id, c]) => [id, { name: c.name, email: c.email, version: c.version }]));
}

describe('customerChanges', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  async function create(key: string, name: string): Promise<string> {
    const res = await gw.gql<{ createCustomer: { id: string } }>(CREATE, { name, email: `${name.toLowerCase().replace(/\W/g, '')}@example.com` }, { key });
    if (!res.body.data) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data.createCustomer.id;
  }

  async function mutate(key: string, document: string, variables: Record<string, unknown>): Promise<void> {
    const res = await gw.gql(document, variables, { key });
    expect(res.body.errors).toBeUndefined();
  }

  test('from the beginning: every live customer once, oldest change first, deleted ones left out; then nothing new', async () => {
    const tenant = await gw.tenantWithKey();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await create(tenant.key, `Start ${i}`));
    await mutate(tenant.key, DELETE, { id: ids[3] });
    await mutate(tenant.key, ERASE, { id: ids[5] });
    const replica = new Replica(gw, tenant.key, 4);
    const seen = await replica.syncUntil(() => replica.customers.size === 7);
    expect(seen.every((c) => !c.deleted)).toBe(true);
    // oldest change first: the creates in order, the deleted and erased ones absent
    expect(seen.map((c) => c.id)).toEqual(ids.filter((_, i) => i !== 3 && i !== 5));
    expect(replicaCopy(replica)).toEqual(await databaseCopy(gw, tenant));
    // pages of at most 4
    expect(replica.pages.every((p) => p.changes.length <= 4)).toBe(true);

    const again = await feed(gw, tenant.key, replica.cursor);
    expect(again).toMatchObject({ changes: [], hasMore: false });
  });

  test('a walk from the beginning whose first pages are empty still leaves out what was deleted before it received anything', async () => {
    const tenant = await gw.tenantWithKey();
    const empty = await feed(gw, tenant.key, null);
    expect(empty).toMatchObject({ changes: [], hasMore: false });
    const kept = await create(tenant.key, 'Kept');
    const gone = await create(tenant.key, 'Gone');
    await mutate(tenant.key, DELETE, { id: gone });
    const replica = new Replica(gw, tenant.key);
    replica.cursor = empty.cursor;
    const seen = await replica.syncUntil(() => replica.customers.has(kept));
    expect(seen.map((c) => [c.id, c.deleted])).toEqual([[kept, false]]);
    // once it has received something, deletions after that point come through
    await mutate(tenant.key, DELETE, { id: kept });
    const later = await replica.syncUntil((changes) => changes.some((c) => c.id === kept));
    expect(later.map((c) => [c.id, c.deleted])).toEqual([[kept, true]]);
  });

  test('creates, updates, deletes, restores and erasures after the cursor appear, each customer once, in its latest state', async () => {
    const tenant = await gw.tenantWithKey();
    const [kept, renamed, deleted, restored, erased] = [
      await create(tenant.key, 'Kept'),
      await create(tenant.key, 'Renamed'),
      await create(tenant.key, 'Deleted'),
      await create(tenant.key, 'Restored'),
      await create(tenant.key, 'Erased Person'),
    ];
    const replica = new Replica(gw, tenant.key);
    await replica.syncUntil(() => replica.customers.size === 5);

    await mutate(tenant.key, UPDATE, { id: renamed, name: 'Renamed once' });
    await mutate(tenant.key, UPDATE, { id: renamed, name: 'Renamed twice' });
    await mutate(tenant.key, DELETE, { id: deleted });
    await mutate(tenant.key, DELETE, { id: restored });
    await mutate(tenant.key, RESTORE, { id: restored });
    await mutate(tenant.key, ERASE, { id: erased });
    const created = await create(tenant.key, 'Created later');

    const seen = await replica.syncUntil((changes) => changes.some((c) => c.id === created));
    const byId = new Map(seen.map((c) => [c.id, c]));
    expect(seen).toHaveLength(5);
    expect(byId.has(kept)).toBe(false);
    expect(byId.get(renamed)?.customer).toMatchObject({ name: 'Renamed twice', version: 3 });
    expect(byId.get(deleted)).toMatchObject({ deleted: true, customer: null });
    expect(byId.get(restored)).toMatchObject({ deleted: false, customer: { name: 'Restored', version: 3 } });
    expect(byId.get(erased)).toMatchObject({ deleted: true, customer: null });
    expect(byId.get(created)).toMatchObject({ deleted: false, customer: { name: 'Created later' } });
    for (const change of seen) expect(change.changedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(replicaCopy(replica)).toEqual(await databaseCopy(gw, tenant));
  });

  test('new transactions and updates that change nothing are not changes; writes that bypass the functions are', async () => {
    const tenant = await gw.tenantWithKey();
    const id = await create(tenant.key, 'Quiet');
    const other = await create(tenant.key, 'Direct');
    const replica = new Replica(gw, tenant.key);
    await replica.syncUntil(() => replica.customers.size === 2);

    const sql = gw.db.inner as SqlDatabase;
    await sql.session((s) =>
      s.query(
        "insert into transactions (organization_id, customer_id, gross_amount, currency_code, status, environment) values ($1, $2, 10.00, 'XOF', 'completed', 'test')",
        [tenant.organizationId, id],
      ),
    );
    await mutate(tenant.key, UPDATE, { id, name: 'Quiet' });
    // a plain SQL write, as another application writing the table would make
    await sql.session((s) => s.query("update customers set city = 'Dakar' where customer_id = $1", [other]));

    const seen = await replica.syncUntil((changes) => changes.some((c) => c.id === other));
    expect(seen.map((c) => c.id)).toEqual([other]);
    expect(seen[0].customer?.version).toBe(2);
  });

  test('an erased customer leaves no personal data in the feed\'s table', async () => {
    const tenant = await gw.tenantWithKey();
    const id = await create(tenant.key, 'Aissatou Secretname');
    await mutate(tenant.key, ERASE, { id });
    const [row] = await (gw.db.inner as SqlDatabase).session((s) =>
      s.query<{ row: Record<string, unknown> }>('select to_jsonb(cc) as row from customer_changes cc where customer_id = $1', [id]),
    );
    expect(Object.keys(row.row).sort()).toEqual(['change_position', 'change_xid', 'changed_at', 'customer_id', 'deleted', 'environment', 'organization_id']);
    expect(JSON.stringify(row.row)).not.toMatch(/secretname/i);
    expect(row.row.deleted).toBe(true);
  });

  test('one database call per page; first is 1-1000 (100 by default)', async () => {
    const tenant = await gw.tenantWithKey();
    const sql = gw.db.inner as SqlDatabase;
    await sql.session((s) =>
      s.query(
        "insert into customers (organization_id, created_by, name, environment) select $1, $2, 'Bulk ' || i, 'test' from generate_series(1, 105) i",
        [tenant.organizationId, tenant.merchantId],
      ),
    );
    const replica = new Replica(gw, tenant.key);
    await replica.syncUntil(() => replica.customers.size === 105);
    gw.db.reset();
    const first = await feed(gw, tenant.key, null);
    expect(first.changes).toHaveLength(100);
    expect(first.hasMore).toBe(true);
    expect(gw.db.names().filter((fn) => fn !== 'verify_api_key')).toEqual(['fetch_customer_changes']);
    const rest = await feed(gw, tenant.key, first.cursor, 1000);
    expect(rest.changes).toHaveLength(5);
    expect(rest.hasMore).toBe(false);

    for (const bad of [0, 1001, -1]) {
      const res = await gw.gql(CustomerChangesDocument, { since: null, first: bad }, { key: tenant.key });
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({ message: 'first must be between 1 and 1000', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  test('a cursor of another organization or environment, or a changed one, is refused', async () => {
    const tenant = await gw.tenantWithKey();
    await create(tenant.key, 'Mine');
    const { cursor } = await feed(gw, tenant.key, null);
    const other = await gw.tenantWithKey();
    const live = await gw.keyFor({ organizationId: tenant.organizationId, merchantId: tenant.merchantId, environment: 'live' }, 'live');
    const changed = cursor.slice(0, -2) + (cursor.at(-2) === 'A' ? 'B' : 'A') + cursor.at(-1);
    gw.db.reset();
    for (const [key, since] of [[other.key, cursor], [live, cursor], [tenant.key, changed], [tenant.key, 'garbage']]) {
      const res = await gw.gql(CustomerChangesDocument, { since }, { key });
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({ message: 'cursor does not match this query', extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect(gw.db.names().filter((fn) => fn !== 'verify_api_key')).toEqual([]);
  });
});

(usingPostgres() ? describe : describe.skip)('customerChanges under concurrent writers (PostgreSQL)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  test('a reader syncing while writers commit out of order ends up with exactly the database\'s customers', async () => {
    const tenant = await gw.tenantWithKey();
    const sql = gw.db.inner as SqlDatabase;
    const scope = { org: tenant.organizationId, merchant: tenant.merchantId };
    const ids: string[] = (
      await sql.session((s) =>
        s.query<{ customer_id: string }>(
          "insert into customers (organization_id, created_by, name, environment) select $1, $2, 'Seed ' || i, 'test' from generate_series(1, 20) i returning customer_id",
          [scope.org, scope.merchant],
        ),
      )
    ).map((row) => row.customer_id);

    let writing = true;
    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    /** One writer: transactions that write, then hold on (so later ones commit first), then commit. */
    const writer = async (w: number) => {
      for (let i = 0; i < 25; i++) {
        await sql.session((s) =>
          s.transaction(async (tx) => {
            const op = Math.random();
            if (op < 0.3) {
              const [row] = await tx.query<{ customer_id: string }>(
                "select customer_id from create_customer(p_merchant_id => $1, p_organization_id => $2, p_environment => 'test', p_name => $3)",
                [scope.merchant, scope.org, `Writer ${w} new ${i}`],
              );
              ids.push(row.customer_id);
            } else if (op < 0.7) {
              await tx.query("select * from update_customer($1, $2, 'test', $3::jsonb)", [pick(), scope.org, JSON.stringify({ name: `Writer ${w} edit ${i}` })]);
            } else if (op < 0.8) {
              await tx.query("select * from delete_customer($1, $2, 'test')", [pick(), scope.org]);
            } else if (op < 0.9) {
              await tx.query("select * from restore_customer($1, $2, 'test')", [pick(), scope.org]);
            } else {
              await tx.query("select * from erase_customer($1, $2, 'test', $3)", [pick(), scope.org, scope.merchant]);
            }
            await tx.query('select pg_sleep($1)', [Math.random() * 0.08]);
          }),
        );
      }
    };
    const replica = new Replica(gw, tenant.key, 7);
    const reader = (async () => {
      while (writing) {
        await replica.sync();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      }
    })();
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await reader;

    const expected = await databaseCopy(gw, tenant);
    await replica.syncUntil(() => JSON.stringify([...replicaCopy(replica)].sort()) === JSON.stringify([...expected].sort()));
    expect(new Map([...replicaCopy(replica)].sort())).toEqual(new Map([...expected].sort()));
    // the reader did sync while the writers wrote
    expect(replica.pages.length).toBeGreaterThan(10);
  }, 180_000);
});

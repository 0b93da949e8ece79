/**
 * Migration 013 on a database that already holds customers, deleted and erased ones among
 * them: every existing customer enters the change feed once, the deleted and erased ones as
 * deletions, and the trigger records what comes after.
 */
import { migrate, readMigrations } from '../../src/db/migrate';
import type { SqlDatabase } from '../../src/db/sql-database';
import { withFreshDatabase } from '../helpers/scratch-database';

/**
 * Reads until `count` rows are there: a change becomes visible once every older transaction
 * of the server has ended, and on a shared PostgreSQL server another client's may be open.
 */
async function readChanges(db: SqlDatabase, args: Record<string, unknown>, count: number): Promise<ChangeRow[]> {
  for (let waited = 0; ; waited++) {
    const rows = await db.rpc<ChangeRow>('fetch_customer_changes', args);
    if (rows.length >= count || waited >= 600) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface ChangeRow {
  customer_id: string;
  name: string | null;
  deleted: boolean;
  change_xid: string;
  change_position: string;
  skip_deleted_before: string;
}

test('existing customers enter the feed once (deleted and erased ones as deletions); later writes are recorded', async () => {
  await withFreshDatabase(async (db) => {
    const all = readMigrations();
    await migrate(db, all.filter((m) => m.version < '013'));
    const [org] = await db.rpc<{ organization_id: string; merchant_id: string }>('create_organization', { p_name: 'Before 013' });
    const scope = { p_organization_id: org.organization_id, p_environment: 'live' };
    const ids = (
      await db.session((s) =>
        s.query<{ customer_id: string }>(
          `insert into customers (organization_id, created_by, name, environment, updated_at)
           values ($1, $2, 'Oldest', 'live', now() - interval '3 days'), ($1, $2, 'Deleted', 'live', now() - interval '2 days'),
                  ($1, $2, 'Erased', 'live', now() - interval '1 day'), ($1, $2, 'Newest', 'live', now())
           returning customer_id`,
          [org.organization_id, org.merchant_id],
        ),
      )
    ).map((row) => row.customer_id);
    await db.rpc('delete_customer', { ...scope, p_customer_id: ids[1] });
    await db.rpc('erase_customer', { ...scope, p_customer_id: ids[2], p_merchant_id: org.merchant_id });

    expect(await migrate(db, all)).toEqual(all.filter((m) => m.version >= '013').map((m) => m.version));

    // with a cursor (not from the beginning, which leaves deletions out): everything, oldest
    // change first (the deletion and the erasure came after Newest was created)
    const everything = await readChanges(db, { ...scope, p_limit: 100, p_after_xid: '0', p_after_position: '0' }, 4);
    expect(everything.map((row) => [row.customer_id, row.deleted, row.name])).toEqual([
      [ids[0], false, 'Oldest'],
      [ids[3], false, 'Newest'],
      [ids[1], true, null],
      [ids[2], true, null],
    ]);
    // from the beginning: the deleted and erased ones are left out
    const fresh = await db.rpc<ChangeRow>('fetch_customer_changes', { ...scope, p_limit: 100 });
    expect(fresh.map((row) => row.customer_id)).toEqual([ids[0], ids[3]]);

    // the trigger takes over: a rename moves the customer to the end of the feed
    await db.rpc('update_customer', { ...scope, p_customer_id: ids[0], p_patch: { name: 'Renamed' } });
    const last = fresh[fresh.length - 1];
    const next = await readChanges(
      db,
      { ...scope, p_limit: 100, p_after_xid: last.change_xid, p_after_position: last.change_position, p_skip_deleted_before: last.skip_deleted_before },
      1,
    );
    expect(next.map((row) => [row.customer_id, row.name])).toEqual([[ids[0], 'Renamed']]);
  });
});

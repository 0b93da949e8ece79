/**
 * Migration 008 on a database that already holds customers and transactions: existing
 * customers start at version 1, and existing amounts read back exactly.
 */
import { migrate, readMigrations } from '../../src/db/migrate';
import { callSqlFunction } from '../helpers/database';
import { withFreshDatabase } from '../helpers/scratch-database';

test('existing customers start at version 1; existing amounts stay exact', async () => {
  await withFreshDatabase(async (db) => {
    const all = readMigrations();
    await migrate(db, all.filter((m) => m.version < '008'));
    const [org] = await db.rpc<{ organization_id: string; merchant_id: string }>('create_organization', { p_name: 'Before 008' });
    const rows = await db.session((s) =>
      s.query<{ customer_id: string }>(
        `insert into customers (organization_id, created_by, name, environment)
         values ($1, $2, 'Old One', 'live'), ($1, $2, 'Old Two', 'live') returning customer_id`,
        [org.organization_id, org.merchant_id],
      ),
    );
    await db.session((s) =>
      s.query(
        `update customers set name = 'Old One changed' where customer_id = $1`,
        [rows[0].customer_id],
      ),
    );
    await db.session((s) =>
      s.query(
        `insert into transactions (organization_id, customer_id, gross_amount, currency_code, status, environment)
         values ($1, $2, '12345678901.23', 'XOF', 'completed', 'live')`,
        [org.organization_id, rows[0].customer_id],
      ),
    );

    expect(await migrate(db, all)).toEqual(all.filter((m) => m.version >= '008').map((m) => m.version));
    const versions = await db.session((s) => s.query<{ version: number }>('select version from customers where organization_id = $1', [org.organization_id]));
    expect(versions.map((v) => v.version)).toEqual([1, 1]);
    const [tx] = await callSqlFunction<{ gross_amount: string }>(db, 'fetch_customer_transactions', {
      p_customer_id: rows[0].customer_id,
      p_environment: 'live',
      p_organization_id: org.organization_id,
    });
    expect(tx.gross_amount).toBe('12345678901.23');
  });
});

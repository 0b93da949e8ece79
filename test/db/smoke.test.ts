import { openTestDatabase } from '../helpers/database';
import { createTenant } from '../helpers/tenants';

test('a migrated database answers the domain functions', async () => {
  const db = await openTestDatabase();
  try {
    const t = await createTenant(db);
    const rows = await db.rpc('count_customers_with_status', { p_organization_id: t.organizationId, p_environment: 'test' });
    expect(rows).toEqual([{ total_count: 0 }]);
  } finally {
    await db.close();
  }
});

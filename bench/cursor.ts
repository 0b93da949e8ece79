import { customersCursorBinding } from '../src/customers/customer-connection';
import { ActivityStatus, CustomerSortKey, CustomerType } from '../src/customers/enums';
import type { SqlDatabase } from '../src/db/sql-database';
import { CursorCodec } from '../src/paging/cursor';
import type { DeepCursor } from './scenarios';
import type { BenchOrg } from './seed';

/**
 * A cursor after `depth` customers of the organization's newest-first connection, sealed as the
 * gateway seals its own (the same CURSOR_SECRET and binding), so the deep cursor scenario asks
 * for a deep page without walking there first. Undefined when the organization is smaller.
 */
export async function deepCursor(db: SqlDatabase, org: BenchOrg, depth: number, secret: string): Promise<DeepCursor | undefined> {
  const [row] = await db.session((s) =>
    s.query<{ sort_value: string; customer_id: string }>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as sort_value, customer_id
       from customers where organization_id = $1 and environment = 'test' and not is_deleted
       order by created_at desc, customer_id desc offset $2 limit 1`,
      [org.organizationId, depth - 1],
    ),
  );
  if (!row) return undefined;
  const binding = customersCursorBinding(
    { organizationId: org.organizationId, environment: 'test' },
    CustomerSortKey.CREATED_AT,
    false,
    { search: null, type: CustomerType.ALL, status: ActivityStatus.ALL },
  );
  const cursor = new CursorCodec(Buffer.from(secret, 'utf8')).encode(binding, [row.sort_value, row.customer_id]);
  return { depth, value: row.sort_value, id: row.customer_id, cursor };
}

import { DatabaseError } from '../../src/db/errors';
import { callSqlFunction } from '../helpers/database';
import { listArgs } from '../helpers/customers';
import { useDatabaseWithTenant } from '../helpers/tenants';

const { db, tenant: t } = useDatabaseWithTenant();

async function failure(call: Promise<unknown>): Promise<DatabaseError> {
  const error: unknown = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof DatabaseError)) throw new Error(`expected a DatabaseError, got ${String(error)}`);
  return error;
}

describe('bad input becomes a typed error', () => {
  test('a malformed uuid is invalid_input (22P02)', async () => {
    const error = await failure(callSqlFunction(db, 'get_customer_by_organization', { p_customer_id: 'abc', p_organization_id: t.organizationId, p_environment: 'test' }));
    expect(error.kind).toBe('invalid_input');
    expect(error.code).toBe('22P02');
  });

  test('a malformed organization id is invalid_input', async () => {
    expect((await failure(db.rpc('count_customers_with_status', { p_organization_id: '123', p_environment: 'test' }))).kind).toBe('invalid_input');
  });

  test('a missing organization or an unknown environment is invalid_input (22023)', async () => {
    for (const bad of [{ p_organization_id: null }, { p_environment: 'prod' }, { p_environment: 'LIVE' }, { p_environment: null }]) {
      const error = await failure(db.rpc('fetch_customers_with_status', listArgs(t, bad)));
      expect(error).toMatchObject({ kind: 'invalid_input', code: '22023' });
    }
  });

  test('a value of the wrong type is invalid_input', async () => {
    expect((await failure(db.rpc('fetch_customers_with_status', listArgs(t, { p_limit: 'ten' })))).kind).toBe('invalid_input');
  });

  test("the error carries no SQL or data, only the kind and code", async () => {
    const error = await failure(db.rpc('create_customer', {
      p_merchant_id: t.merchantId, p_organization_id: t.organizationId, p_environment: 'test', p_name: 'x', p_email: '',
      p_metadata: '"secret value"',
    }));
    expect(error.message).toBe('database error: invalid_input (22023)');
    expect(error.message).not.toContain('secret');
  });

  test('an unknown function or argument name is refused before reaching the database', async () => {
    // the names are checked at run time too: a caller outside TypeScript could pass anything
    const callUnchecked = db.rpc.bind(db) as (fn: string, args: Record<string, unknown>) => Promise<unknown>;
    await expect(callUnchecked('pg_sleep', {})).rejects.toThrow('not a known database function');
    await expect(callUnchecked('verify_api_key', { 'p_key_hash => null); drop table customers; --': 1 })).rejects.toThrow('not a valid argument name');
  });
});

/**
 * How the Supabase adapter handles PostgREST's error answers and transport failures. PostgREST
 * cannot run on these machines: a local stand-in answers instead, with canned errors queued by
 * each test (or from the test database, for the errors the SQL functions really raise).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RpcArgs, RpcFunction } from '../../src/db/database';
import { RPC_FUNCTIONS } from '../../src/db/database';
import type { DatabaseErrorKind } from '../../src/db/errors';
import { DatabaseError } from '../../src/db/errors';
import { READ_ONLY_FUNCTIONS, supabaseDatabase } from '../../src/db/supabase';
import { useSupabaseOverStandin } from '../helpers/postgrest-standin';
import { postgrestError } from '../helpers/postgrest-standin';
import { createTenant } from '../helpers/tenants';

// short backoff so the retry cases stay quick; a generous timeout, as the machine may be busy
const { sql, standin, supa } = useSupabaseOverStandin({ retryDelayMs: 10 });

const ORG = '00000000-0000-4000-8000-000000000001';
const READ: [RpcFunction, RpcArgs] = ['count_customers_with_status', { p_organization_id: ORG, p_environment: 'test' }];
const WRITE: [RpcFunction, RpcArgs] = ['create_organization', { p_name: 'Write' }];

async function failure(promise: Promise<unknown>): Promise<DatabaseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError);
    return error as DatabaseError;
  }
  throw new Error('expected the call to fail');
}

/** Asserts the kind and code, and that none of PostgREST's text is in the error's own text. */
function expectTyped(error: DatabaseError, kind: DatabaseErrorKind, code: string | RegExp): void {
  expect(error.kind).toBe(kind);
  if (typeof code === 'string') expect(error.code).toBe(code);
  else expect(error.code).toMatch(code);
  expect(error.message).not.toMatch(/SECRET|someone@example|select \*/);
  expect(JSON.stringify(error)).not.toMatch(/SECRET|someone@example/);
}

async function requestsDuring(work: () => Promise<unknown>): Promise<number> {
  const before = standin.requests.length;
  await work().catch(() => undefined);
  return standin.requests.length - before;
}

describe('PostgREST error codes become typed errors without their text', () => {
  test.each<[string, number, DatabaseErrorKind]>([
    ['PGRST116', 406, 'not_found'],
    ['PGRST202', 404, 'internal'],
    ['PGRST203', 300, 'internal'],
    ['PGRST301', 401, 'internal'],
    ['PGRST000', 503, 'unavailable'],
    ['PGRST003', 504, 'unavailable'],
    ['22P02', 400, 'invalid_input'],
    ['22023', 400, 'invalid_input'],
    ['23505', 409, 'conflict'],
    ['23503', 409, 'invalid_input'],
    ['57014', 500, 'timeout'],
    ['P0002', 400, 'not_found'],
    ['42501', 403, 'internal'],
    ['XX000', 500, 'internal'],
  ])('%s (HTTP %d) -> %s', async (code, status, kind) => {
    // a write, so a retryable kind is still answered once
    standin.queue(postgrestError(code, status));
    const error = await failure(supa.rpc(...WRITE));
    expectTyped(error, kind, code);
  });

  test('a 500 with a non-JSON body (a proxy page) is internal', async () => {
    standin.queue({ kind: 'text', status: 500, body: '<html>SECRET upstream page</html>' });
    expectTyped(await failure(supa.rpc(...WRITE)), 'internal', 'HTTP500');
  });

  test('502/503 without a code are unavailable, 504 a timeout', async () => {
    standin.queue({ kind: 'text', status: 502, body: 'Bad Gateway' });
    expectTyped(await failure(supa.rpc(...WRITE)), 'unavailable', 'HTTP502');
    standin.queue({ kind: 'json', status: 503, body: { message: 'SECRET maintenance' } });
    expectTyped(await failure(supa.rpc(...WRITE)), 'unavailable', 'HTTP503');
    standin.queue({ kind: 'text', status: 504, body: '' });
    expectTyped(await failure(supa.rpc(...WRITE)), 'timeout', 'HTTP504');
  });

  test('a closed socket is unavailable', async () => {
    standin.queue({ kind: 'close' });
    expectTyped(await failure(supa.rpc(...WRITE)), 'unavailable', /^(UND_ERR_SOCKET|ECONNRESET|EPIPE|NETWORK)$/);
  });

  test('a refused connection is unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = supabaseDatabase({ url: `http://127.0.0.1:${port}`, serviceRoleKey: 'k', timeoutMs: 1000, retryDelayMs: 1 });
    expectTyped(await failure(nowhere.rpc(...WRITE)), 'unavailable', 'ECONNREFUSED');
    expectTyped(await failure(nowhere.ping()), 'unavailable', 'ECONNREFUSED');
    await nowhere.close();
  });

  test('an answer slower than SUPABASE_TIMEOUT_MS is a timeout, and is not repeated', async () => {
    const impatient = supabaseDatabase({ url: standin.url, serviceRoleKey: standin.serviceRoleKey, timeoutMs: 1000, retryDelayMs: 10 });
    standin.queue({ kind: 'slow', delayMs: 8000 });
    const started = Date.now();
    let error: DatabaseError | undefined;
    const count = await requestsDuring(async () => {
      error = await failure(impatient.rpc(...READ));
    });
    await impatient.close();
    expect(Date.now() - started).toBeLessThan(6000);
    expect(error && expectTyped(error, 'timeout', 'TIMEOUT')).toBeUndefined();
    expect(count).toBe(1);
  });

  test('a wrong service-role key is an internal error (configuration), not forwarded', async () => {
    const wrong = supabaseDatabase({ url: standin.url, serviceRoleKey: 'not-the-key', timeoutMs: 1000 });
    expectTyped(await failure(wrong.rpc(...READ)), 'internal', 'PGRST301');
    await wrong.close();
  });
});

describe('errors the SQL functions really raise, through the stand-in', () => {
  test('a malformed uuid is 22P02 invalid_input', async () => {
    const error = await failure(supa.rpc('count_customers_with_status', { p_organization_id: 'not-a-uuid', p_environment: 'test' }));
    expectTyped(error, 'invalid_input', '22P02');
  });

  test('a duplicate key hash is 23505 conflict, without the duplicated value', async () => {
    const tenant = await createTenant(sql);
    const args = { p_organization_id: tenant.organizationId, p_environment: 'test', p_key_hash: randomBytes(32).toString('hex'), p_key_prefix: 'lomi_test_x' };
    await supa.rpc('create_api_key', args);
    const error = await failure(supa.rpc('create_api_key', args));
    expectTyped(error, 'conflict', '23505');
    expect(error.message).not.toContain(args.p_key_hash);
  });

  test('an argument the function does not take is PGRST202 (function not found): internal', async () => {
    const error = await failure(supa.rpc('list_api_keys', { p_organization_id: ORG, p_no_such_argument: 1 }));
    expectTyped(error, 'internal', 'PGRST202');
  });
});

describe('retries: only reads, only after transport failures', () => {
  test('the read-only list is exactly the STABLE functions of schema/sql the gateway calls', async () => {
    const rows = await sql.session((s) =>
      s.query<{ proname: string }>(
        "select proname from pg_proc where pronamespace = 'public'::regnamespace and provolatile in ('s', 'i') and proname = any($1)",
        [[...RPC_FUNCTIONS]],
      ),
    );
    expect([...READ_ONLY_FUNCTIONS].sort()).toEqual(rows.map((r) => r.proname).sort());
  });

  test('a read is repeated after a closed socket and a 503, then answers', async () => {
    standin.queue({ kind: 'close' }, { kind: 'text', status: 503, body: '' });
    let rows: unknown[] = [];
    const count = await requestsDuring(async () => {
      rows = await supa.rpc(...READ);
    });
    expect(count).toBe(3);
    expect(rows).toEqual([{ total_count: 0 }]);
  });

  test('a read gives up after two retries', async () => {
    standin.queue({ kind: 'close' }, { kind: 'close' }, { kind: 'close' }, { kind: 'close' });
    let error: DatabaseError | undefined;
    const count = await requestsDuring(async () => {
      error = await failure(supa.rpc(...READ));
    });
    expect(count).toBe(3);
    expect(error?.kind).toBe('unavailable');
    // the fourth canned answer was not used: drop it
    await supa.rpc(...WRITE).catch(() => undefined);
  });

  test.each<[RpcFunction, RpcArgs]>([
    WRITE,
    ['verify_api_key', { p_key_hash: 'a'.repeat(64) }],
    ['create_api_key', { p_organization_id: ORG, p_environment: 'test', p_key_hash: 'b'.repeat(64), p_key_prefix: 'lomi_x' }],
    ['delete_customer', { p_customer_id: ORG, p_organization_id: ORG, p_environment: 'test' }],
  ])('%s (writes) is never repeated', async (fn, args) => {
    standin.queue({ kind: 'close' }, { kind: 'close' });
    const count = await requestsDuring(() => supa.rpc(fn, args));
    expect(count).toBe(1);
    await supa.rpc(...WRITE).catch(() => undefined); // use up the second canned answer
  });

  test('a read is not repeated after an answer from the database (error codes are final)', async () => {
    standin.queue(postgrestError('57014'), postgrestError('22P02'));
    expect(await requestsDuring(() => supa.rpc(...READ))).toBe(1);
    expect(await requestsDuring(() => supa.rpc(...READ))).toBe(1);
  });
});

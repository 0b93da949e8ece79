/**
 * The whole gateway on the Supabase adapter: PostgREST's error text (message, details, hint)
 * never reaches a GraphQL client, whatever the error. PostgREST cannot run on these machines, so
 * the adapter talks to the local stand-in (test/helpers/postgrest-standin.ts), which answers from
 * the test database or with the canned errors queued here.
 */
import type { CannedAnswer, PostgrestStandin } from '../helpers/postgrest-standin';
import { postgrestError } from '../helpers/postgrest-standin';
import { useGateway } from '../helpers/gateway';

const LIST = '{ customers(pageSize: 3) { customers { id name } pagination { totalCount } } }';

const { gw, tenant } = useGateway({ SUPABASE_TIMEOUT_MS: '3000' }, { backend: 'supabase' });
let standin: PostgrestStandin;

beforeAll(async () => {
  if (!gw.supabase) throw new Error('the gateway is not on the Supabase backend');
  standin = gw.supabase;
  // the first request authenticates (verify_api_key) and caches the key, so the canned answers
  // below go to the customer query itself
  const first = await gw.gql(LIST, {}, { key: tenant.key });
  expect(first.body.errors).toBeUndefined();
});

test('the gateway serves from the Supabase adapter', async () => {
  expect(gw.db.kind).toBe('supabase');
  const before = standin.requests.length;
  const ok = await gw.gql(LIST, {}, { key: tenant.key });
  expect(ok.body.data).toEqual({ customers: { customers: [], pagination: { totalCount: 0 } } });
  expect(standin.requests.slice(before).map((r) => r.path)).toContain('/rest/v1/rpc/fetch_customers_with_status');
});

test.each<[string, CannedAnswer | CannedAnswer[], string]>([
  ['PGRST116', postgrestError('PGRST116', 406), 'NOT_FOUND'],
  ['PGRST202', postgrestError('PGRST202', 404), 'INTERNAL_SERVER_ERROR'],
  ['22P02', postgrestError('22P02'), 'BAD_USER_INPUT'],
  ['23505', postgrestError('23505'), 'CONFLICT'],
  ['57014', postgrestError('57014'), 'SERVICE_UNAVAILABLE'],
  ['500 text', { kind: 'text', status: 500, body: 'SECRET-PAGE' }, 'INTERNAL_SERVER_ERROR'],
  // a read is retried twice after a transport failure: three closed sockets exhaust it
  ['closed socket', [{ kind: 'close' }, { kind: 'close' }, { kind: 'close' }], 'SERVICE_UNAVAILABLE'],
  ['slow answer', { kind: 'slow', delayMs: 10_000 }, 'SERVICE_UNAVAILABLE'],
])('%s: a coded GraphQL error without PostgREST text', async (_name, answers, code) => {
  // aimed at the list itself: the page may also make other calls (count, transactions)
  standin.queue(...(Array.isArray(answers) ? answers : [answers]).map((a) => ({ ...a, fn: 'fetch_customers_with_status' })));
  const response = await gw.gql(LIST, {}, { key: tenant.key });
  const text = JSON.stringify(response.body);
  expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(text).not.toMatch(/SECRET|someone@example|select \*|PGRST|22P02|23505|57014/);
});

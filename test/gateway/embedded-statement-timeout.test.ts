import { setTimeout as sleep } from 'node:timers/promises';
import { openTestEmbeddedDatabase } from '../helpers/database';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { usingPostgres } from '../helpers/test-env';

const TIMEOUT_MS = 1000;
/** How long the deliberately slow statement runs: far past the timeout, so the margins are wide. */
const SLOW_SECONDS = 6;
const COUNT = '{ customers { pagination { totalCount } } }';

/**
 * A slow statement for one organization only: every domain function starts with
 * assert_tenant(organization, environment), so this test's own embedded database gets a
 * version of it that sleeps for that organization. Test-only SQL, never a migration.
 */
function slowFor(organizationId: string): string {
  return `
    create or replace function assert_tenant(p_organization_id uuid, p_environment text) returns void
    language plpgsql volatile set search_path = public, extensions, pg_temp as $$
    begin
      if p_organization_id = '${organizationId}' then perform pg_sleep(${SLOW_SECONDS}); end if;
      if p_organization_id is null then
        raise exception using errcode = '22023', message = 'organization is required';
      end if;
      if p_environment is null or p_environment not in ('live', 'test') then
        raise exception using errcode = '22023', message = 'environment must be live or test';
      end if;
    end $$`;
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

// PostgreSQL cancels a statement itself (test/db/statement-timeout.test.ts); this is the
// embedded database, whose statements run on a worker thread that cannot be interrupted.
(usingPostgres() ? describe.skip : describe)('the embedded database under a statement past DB_STATEMENT_TIMEOUT_MS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const database = await openTestEmbeddedDatabase({ statementTimeoutMs: TIMEOUT_MS });
    gw = await startGateway({ DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS) }, { database, backend: 'sql' });
  });
  afterAll(async () => {
    await gw.close();
  });

  test('the request ends with SERVICE_UNAVAILABLE at the timeout, /health answers throughout, others are refused at once until the statement ends, then served', async () => {
    const slow = await gw.tenantWithKey();
    const other = await gw.tenantWithKey();
    // warm both keys and the plans: the control for "served"
    expect((await gw.gql(COUNT, undefined, { key: slow.key })).body.errors).toBeUndefined();
    expect((await gw.gql(COUNT, undefined, { key: other.key })).body.errors).toBeUndefined();
    await gw.db.inner.session((s) => s.exec(slowFor(slow.organizationId)));

    const statementStarted = Date.now();
    const slowRequest = timed(gw.gql(COUNT, undefined, { key: slow.key }));

    // /health keeps answering while the statement runs
    const healthMs: number[] = [];
    while (Date.now() - statementStarted < (SLOW_SECONDS - 2) * 1000) {
      const { value: response, ms } = await timed(fetch(`${gw.url}/health`));
      expect(response.status).toBe(200);
      healthMs.push(ms);
      await sleep(100);
    }

    const { value: timedOut, ms: timedOutMs } = await slowRequest;
    expect(timedOut.body.errors?.[0]).toMatchObject({
      message: 'The database took too long to answer; try again or narrow the request',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    // answered at the timeout, not when the statement ended
    expect(timedOutMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(timedOutMs).toBeLessThan(SLOW_SECONDS * 1000 - 2000);
    expect(healthMs.length).toBeGreaterThan(5);
    expect(Math.max(...healthMs)).toBeLessThan(1000);

    // the statement still holds the only session: another tenant is refused at once
    const { value: refused, ms: refusedMs } = await timed(gw.gql(COUNT, undefined, { key: other.key }));
    expect(Date.now() - statementStarted).toBeLessThan(SLOW_SECONDS * 1000);
    expect(refused.body.errors?.[0]).toMatchObject({ message: 'The database is unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(refusedMs).toBeLessThan(TIMEOUT_MS);

    // once it has ended, requests are served again, with no restart
    await sleep(Math.max(0, statementStarted + SLOW_SECONDS * 1000 - Date.now()));
    let served = await gw.gql<{ customers: { pagination: { totalCount: number } } }>(COUNT, undefined, { key: other.key });
    for (let attempt = 0; attempt < 20 && served.body.errors; attempt++) {
      await sleep(250);
      served = await gw.gql(COUNT, undefined, { key: other.key });
    }
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data?.customers.pagination.totalCount).toBe(0);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
  }, 60_000);

  test('a request queued behind a long statement gives up at its own deadline and never runs', async () => {
    const slow = await gw.tenantWithKey();
    const other = await gw.tenantWithKey();
    // both keys authenticated once (and cached), so the requests below reach their statements
    expect((await gw.gql(COUNT, undefined, { key: slow.key })).status).toBe(200);
    expect((await gw.gql(COUNT, undefined, { key: other.key })).status).toBe(200);
    await gw.db.inner.session((s) => s.exec(slowFor(slow.organizationId)));
    const mutation = 'mutation { createCustomer(input: { name: "Queued Too Long" }) { id } }';
    const first = gw.gql(COUNT, undefined, { key: slow.key });
    await sleep(100);
    // sent before the first one overran, so it waits in line, then times out without running
    const queued = await timed(gw.gql(mutation, undefined, { key: other.key }));
    expect(queued.value.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(queued.ms).toBeLessThan(SLOW_SECONDS * 1000 - 2000);
    expect((await first).body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    await sleep(SLOW_SECONDS * 1000);
    const [{ n }] = await gw.db.inner.session((s) => s.query<{ n: number }>("select count(*)::int as n from customers where name = 'Queued Too Long'"));
    expect(n).toBe(0);
  }, 60_000);
});

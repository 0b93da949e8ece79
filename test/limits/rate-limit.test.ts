import type { GqlResponse } from '../helpers/gateway';
import { useGateway } from '../helpers/gateway';

/** One root field that touches no table: the rate limit, not the data, is under test. */
const ONE_FIELD = '{ customers(pageSize: 1) { pagination { page } } }';
/** Two root fields; the second is nullable, so it can fail alone while the first keeps its data. */
const TWO_FIELDS = '{ page: customers(pageSize: 1) { pagination { page } } one: customer(id: "00000000-0000-4000-8000-000000000000") { id } }';
const CREATE = 'mutation { createCustomer(input: { name: "Ada" }) { id } }';

function header(response: GqlResponse, name: string): number {
  const value = response.headers.get(name);
  if (value === null) throw new Error(`missing header ${name}`);
  return Number(value);
}

function rateLimitExtension(response: GqlResponse): { limit: number; remaining: number; resetAt: string } {
  const value = response.body.extensions?.rateLimit;
  if (typeof value !== 'object' || value === null) throw new Error('missing extensions.rateLimit');
  return value as { limit: number; remaining: number; resetAt: string };
}

describe('per-tenant rate limit on root fields', () => {
  const { gw } = useGateway({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60', RATE_LIMIT_MUTATION_MAX: '2' });

  it('counts down in headers and extensions, then refuses with 429 and Retry-After', async () => {
    const { key } = await gw.tenantWithKey();
    const before = Date.now();
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await gw.gql(ONE_FIELD, undefined, { key });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      const ext = rateLimitExtension(response);
      expect(ext.limit).toBe(3);
      expect(header(response, 'x-ratelimit-limit')).toBe(3);
      expect(header(response, 'ratelimit-limit')).toBe(3);
      expect(header(response, 'x-ratelimit-remaining')).toBe(ext.remaining);
      expect(header(response, 'ratelimit-remaining')).toBe(ext.remaining);
      // resetAt is ISO-8601 within the 60 s window; the headers say the same moment two ways.
      const resetAt = Date.parse(ext.resetAt);
      expect(new Date(resetAt).toISOString()).toBe(ext.resetAt);
      expect(resetAt).toBeGreaterThan(before);
      expect(resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
      expect(Math.abs(header(response, 'x-ratelimit-reset') - resetAt / 1000)).toBeLessThanOrEqual(1);
      const untilReset = header(response, 'ratelimit-reset');
      expect(untilReset).toBeGreaterThan(0);
      expect(untilReset).toBeLessThanOrEqual(60);
      remaining.push(ext.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);

    const refused = await gw.gql(ONE_FIELD, undefined, { key });
    expect(refused.status).toBe(429);
    const retryAfter = header(refused, 'retry-after');
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // customers is non-null, so its refusal nulls the whole data.
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(refused.body.errors?.[0].message).toMatch(/may run 3 root fields per 60 seconds.*Retry in \d+ seconds/);
    expect(rateLimitExtension(refused).remaining).toBe(0);
    expect(header(refused, 'x-ratelimit-remaining')).toBe(0);
  });

  it('counts every root field, and answers 200 with partial data when only some are refused', async () => {
    const { key } = await gw.tenantWithKey();
    const first = await gw.gql(TWO_FIELDS, undefined, { key });
    expect(first.status).toBe(200);
    expect(rateLimitExtension(first).remaining).toBe(1);

    const partial = await gw.gql(TWO_FIELDS, undefined, { key });
    expect(partial.status).toBe(200);
    expect(partial.headers.get('retry-after')).toBeNull();
    // Root fields are limited in document order: the first ran, the second was refused.
    expect(partial.body.data).toEqual({ page: { pagination: { page: 1 } }, one: null });
    expect(partial.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['one'], 'RATE_LIMITED']]);
    expect(rateLimitExtension(partial).remaining).toBe(0);
  });

  it('is per tenant: all keys of an organization environment share it, other tenants are unaffected', async () => {
    const tenant = await gw.tenantWithKey();
    const secondKey = await gw.keyFor(tenant);
    const liveKey = await gw.keyFor(tenant, 'live');
    const other = await gw.tenantWithKey();

    expect((await gw.gql(ONE_FIELD, undefined, { key: tenant.key })).status).toBe(200);
    expect((await gw.gql(ONE_FIELD, undefined, { key: secondKey })).status).toBe(200);
    expect((await gw.gql(ONE_FIELD, undefined, { key: tenant.key })).status).toBe(200);
    expect((await gw.gql(ONE_FIELD, undefined, { key: secondKey })).status).toBe(429);

    // The same organization's other environment and another organization have their own budgets.
    const live = await gw.gql(ONE_FIELD, undefined, { key: liveKey });
    expect(live.status).toBe(200);
    expect(rateLimitExtension(live).remaining).toBe(2);
    const unrelated = await gw.gql(ONE_FIELD, undefined, { key: other.key });
    expect(unrelated.status).toBe(200);
    expect(rateLimitExtension(unrelated).remaining).toBe(2);
  });

  it('does not limit introspection, and still reports the budget to an authenticated caller', async () => {
    const { key } = await gw.tenantWithKey();
    for (let i = 0; i < 5; i++) {
      const response = await gw.gql('{ __schema { queryType { name } } __typename }', undefined, { key });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(rateLimitExtension(response)).toMatchObject({ limit: 3, remaining: 3 });
    }
    // Without a key introspection is allowed too, and shows no tenant budget.
    const anonymous = await gw.gql('{ __schema { queryType { name } } }');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.extensions?.rateLimit).toBeUndefined();
    expect(anonymous.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('limits mutations separately and more strictly (RATE_LIMIT_MUTATION_MAX)', async () => {
    const { key } = await gw.tenantWithKey();
    const first = await gw.gql(CREATE, undefined, { key });
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    // The mutation budget (2) is tighter than the tenant budget (3, now 2 left): both are at 1.
    expect(rateLimitExtension(first)).toMatchObject({ remaining: 1 });
    expect((await gw.gql(CREATE, undefined, { key })).status).toBe(200);
    const refused = await gw.gql(CREATE, undefined, { key });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(refused.body.errors?.[0].message).toMatch(/may run 2 mutations per 60 seconds/);
  });
});

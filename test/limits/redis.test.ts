import { randomUUID } from 'node:crypto';
import type { GqlResponse, TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import { TcpProxy } from '../helpers/tcp-proxy';

const REDIS_URL = process.env.TEST_REDIS_URL;
const QUERY = '{ customers(pageSize: 1) { pagination { page } } }';

function remaining(response: GqlResponse): number {
  return Number(response.headers.get('x-ratelimit-remaining'));
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('condition not met in time');
}

// Needs a real Redis: runs on the PostgreSQL + Redis pass (TEST_REDIS_URL), skipped otherwise.
(REDIS_URL ? describe : describe.skip)('rate limits shared through Redis', () => {
  it('two gateway processes with the same Redis enforce one combined budget', async () => {
    const env = { REDIS_URL: REDIS_URL ?? '', RATE_LIMIT_PREFIX: `test:rl:${randomUUID()}`, RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW_SECONDS: '60' };
    const one = await startGateway(env);
    const two = await startGateway(env);
    try {
      // Same database tables, two independent limiters: the key works on both gateways.
      const { key } = await one.tenantWithKey();
      const seen: number[] = [];
      for (const gw of [one, two, one, two]) {
        const response = await gw.gql(QUERY, undefined, { key });
        expect(response.status).toBe(200);
        seen.push(remaining(response));
      }
      expect(seen).toEqual([3, 2, 1, 0]);
      const refusedOne = await one.gql(QUERY, undefined, { key });
      const refusedTwo = await two.gql(QUERY, undefined, { key });
      for (const refused of [refusedOne, refusedTwo]) {
        expect(refused.status).toBe(429);
        expect(refused.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Another tenant has its own budget in the same Redis.
      const other = await two.tenantWithKey();
      expect(remaining(await one.gql(QUERY, undefined, { key: other.key }))).toBe(3);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('keeps serving on the per-process fallback while Redis is unreachable, and shares again when it returns', async () => {
    // cuts and restores Redis for this gateway only, never the shared server
    const target = new URL(REDIS_URL ?? '');
    const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
    await proxy.start();
    const env = { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RATE_LIMIT_PREFIX: `test:rl:${randomUUID()}`, RATE_LIMIT_MAX: '100', RATE_LIMIT_WINDOW_SECONDS: '60' };
    const one = await startGateway(env);
    const two = await startGateway(env);
    try {
      const { key } = await one.tenantWithKey();
      expect(remaining(await one.gql(QUERY, undefined, { key }))).toBe(99);
      expect(remaining(await two.gql(QUERY, undefined, { key }))).toBe(98);

      await proxy.stop();
      // No failed request: each gateway counts on its own, from a fresh per-process budget.
      for (let i = 0; i < 3; i++) {
        const response = await one.gql(QUERY, undefined, { key });
        expect(response.status).toBe(200);
        expect(response.body.errors).toBeUndefined();
        expect(remaining(response)).toBe(100 - (i + 1));
      }
      const fromTwo = await two.gql(QUERY, undefined, { key });
      expect(fromTwo.status).toBe(200);
      expect(remaining(fromTwo)).toBe(99);

      await proxy.start();
      // ioredis reconnects on its own (at most every 2 s): the shared count resumes where Redis left it.
      await eventually(async () => {
        const response = await one.gql(QUERY, undefined, { key });
        expect(response.status).toBe(200);
        return remaining(response) < 98;
      }, 10_000);
      await eventually(async () => remaining(await two.gql(QUERY, undefined, { key })) < 97, 10_000);
    } finally {
      await one.close();
      await two.close();
      await proxy.stop();
    }
  });
});

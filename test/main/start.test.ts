import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, startProcess, stopProcess } from '../helpers/process';
import { usingPostgres } from '../helpers/test-env';

/** Every file and directory under `dir` (itself included) whose mode gives group or others any access. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (entry: string) => {
    const stat = lstatSync(entry);
    if (stat.mode & 0o077) found.push(`${entry} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
  };
  walk(dir);
  return found;
}

async function gql(endpoint: string, key: string, query: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-if-needed.js', '--quiet'], { cwd: root, stdio: 'inherit' });
}, 120_000);

(usingPostgres() ? describe.skip : describe)('npm start on the embedded database', () => {
  let parent: string;
  let dataDir: string;
  beforeAll(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'gateway-start-'));
    // a directory the gateway creates itself
    dataDir = path.join(parent, 'data');
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  test('a fresh start migrates, seeds demo data, prints the endpoint and a working test key; restarts keep rows and the key', async () => {
    const first = await startProcess({ DATA_DIR: dataDir });
    let customerId: string;
    try {
      expect(first.output()).toContain('Apollo Sandbox: open http://localhost:');
      const key = first.demoKey as string;
      expect(key).toMatch(/^lomi_test_[A-Za-z0-9_-]{43}$/);
      expect(statSync(path.join(dataDir, 'demo-api-key')).mode & 0o777).toBe(0o600);
      expect(existsSync(path.join(dataDir, 'gateway.lock'))).toBe(true);
      // DATA_DIR is private, and so is everything in it
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(openToOthers(dataDir)).toEqual([]);
      // the welcome and the key are for the terminal (stderr); stdout is the JSON log only
      expect(first.stdout()).not.toContain(key);
      expect(first.stdout()).not.toContain('GraphQL endpoint');
      for (const line of first.stdout().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();

      const list = await gql(first.endpoint, key, '{ customers(status: ACTIVE) { customers { id environment } pagination { totalCount } } }');
      const page = list.data?.customers as { customers: { environment: string }[]; pagination: { totalCount: number } };
      expect(page.pagination.totalCount).toBeGreaterThan(50);
      expect(page.customers.every((c) => c.environment === 'TEST')).toBe(true);
      const created = await gql(first.endpoint, key, 'mutation { createCustomer(input: { name: "Survives Restart" }) { id } }');
      customerId = (created.data?.createCustomer as { id: string }).id;
    } finally {
      expect(await stopProcess(first)).toBe(0);
    }
    expect(existsSync(path.join(dataDir, 'gateway.lock'))).toBe(false);
    expect(openToOthers(dataDir)).toEqual([]);

    const second = await startProcess({ DATA_DIR: dataDir });
    try {
      expect(second.demoKey).toBe(first.demoKey);
      const read = await gql(second.endpoint, second.demoKey as string, `{ customer(id: "${customerId}") { name } }`);
      expect(read.data).toEqual({ customer: { name: 'Survives Restart' } });
    } finally {
      expect(await stopProcess(second)).toBe(0);
    }
  }, 300_000);

  test('a second process on the same data directory refuses with a clear message', async () => {
    const first = await startProcess({ DATA_DIR: dataDir });
    try {
      await expect(startProcess({ DATA_DIR: dataDir })).rejects.toThrow(/in use by another process/);
    } finally {
      expect(await stopProcess(first)).toBe(0);
    }
  }, 300_000);

  test('`npm start` stopped by SIGTERM sent to npm itself stops the gateway: port and DATA_DIR are free', async () => {
    const started = await startProcess({ DATA_DIR: dataDir }, 'npm start');
    const gatewayPid = Number(readFileSync(path.join(dataDir, 'gateway.lock'), 'utf8'));
    expect(gatewayPid).not.toBe(started.child.pid);
    const exited = new Promise<void>((resolve) => {
      started.child.removeAllListeners('exit');
      started.child.on('exit', () => resolve());
    });
    started.child.kill('SIGTERM');
    await exited;
    // the gateway itself, not only npm, is gone (within its shutdown time)
    const deadline = Date.now() + 15_000;
    const alive = () => {
      try {
        process.kill(gatewayPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toBe(false);
    expect(existsSync(path.join(dataDir, 'gateway.lock'))).toBe(false);
    await expect(fetch(started.endpoint.replace('/graphql', '/health'))).rejects.toThrow();
  }, 180_000);
});

/** Production requires CURSOR_SECRET. */
const PRODUCTION_CURSOR_SECRET = 'start-test-cursor-secret-0123456789abcdef';

(usingPostgres() ? describe.skip : describe)('NODE_ENV=production on the embedded database', () => {
  let parent: string;
  beforeAll(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'gateway-prod-'));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  test('creates no demo data unless SEED_DEMO=true, and then prints no key: it is only in DATA_DIR/demo-api-key', async () => {
    const plainDir = path.join(parent, 'plain');
    const plain = await startProcess({ DATA_DIR: plainDir, NODE_ENV: 'production', CURSOR_SECRET: PRODUCTION_CURSOR_SECRET, LOG_LEVEL: 'info' });
    try {
      expect(plain.demoKey).toBeUndefined();
      expect(plain.output()).not.toContain('Demo API key');
      expect(existsSync(path.join(plainDir, 'demo-api-key'))).toBe(false);
      expect(plain.output()).not.toContain('demo data created');
    } finally {
      expect(await stopProcess(plain)).toBe(0);
    }

    const seededDir = path.join(parent, 'seeded');
    const seeded = await startProcess({ DATA_DIR: seededDir, NODE_ENV: 'production', CURSOR_SECRET: PRODUCTION_CURSOR_SECRET, SEED_DEMO: 'true', DEMO_CUSTOMERS: '20', LOG_LEVEL: 'info' });
    try {
      const keyFile = path.join(seededDir, 'demo-api-key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(key).toMatch(/^lomi_test_/);
      expect(seeded.demoKey).toBeUndefined();
      expect(seeded.output()).not.toContain(key);
      expect(seeded.output()).not.toContain(key.slice(10));
      expect(seeded.stderr()).toContain(`Demo API key (test environment): in ${keyFile}`);
      const list = await gql(seeded.endpoint, key, '{ customers { pagination { totalCount } } }');
      expect(list.data).toEqual({ customers: { pagination: { totalCount: 20 } } });
    } finally {
      expect(await stopProcess(seeded)).toBe(0);
    }
  }, 300_000);
});

(usingPostgres() ? describe : describe.skip)('npm start on PostgreSQL', () => {
  const url = () => process.env.GATEWAY_TEST_RUN_DATABASE_URL as string;

  test('serves without demo data by default, and seeds it with SEED_DEMO=true', async () => {
    const plain = await startProcess({ DATABASE_URL: url() });
    try {
      expect(plain.demoKey).toBeUndefined();
      expect((await fetch(plain.endpoint.replace('/graphql', '/ready'))).status).toBe(200);
    } finally {
      expect(await stopProcess(plain)).toBe(0);
    }
    const seeded = await startProcess({ DATABASE_URL: url(), SEED_DEMO: 'true', DEMO_CUSTOMERS: '40' });
    try {
      const list = await gql(seeded.endpoint, seeded.demoKey as string, '{ customers { pagination { totalCount } } }');
      expect(list.data).toEqual({ customers: { pagination: { totalCount: 40 } } });
    } finally {
      expect(await stopProcess(seeded)).toBe(0);
    }
  }, 300_000);
});

describe('bad configuration', () => {
  test.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
    [{ DATABASE_URL: 'postgres://db/app', DB_POOL_MODE: 'statement' }, /DB_POOL_MODE must be session .* or transaction/],
    [{ DATABASE_URL: 'postgres://pooler:6432/app', DB_POOL_MODE: 'transaction' }, /DB_POOL_MODE=transaction needs DATABASE_DIRECT_URL/],
    [{ DATABASE_URL: 'postgres://db/app', DATABASE_DIRECT_URL: 'db:5432' }, /DATABASE_DIRECT_URL must be a postgres:\/\/ URL/],
    [{ FEDERATION_SDL: 'sometimes' }, /FEDERATION_SDL must be true or false/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 printable characters/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
  ])('%j stops the start at once with a message naming the variable', (env, message) => {
    let stderr = '';
    try {
      execFileSync(process.execPath, ['dist/src/main.js'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe', timeout: 20_000 });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
      expect((error as { status: number }).status).toBe(1);
    }
    expect(stderr).toMatch(message);
  });
});

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { usingPostgres } from '../helpers/test-env';

const root = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcessWithoutNullStreams;
  endpoint: string;
  demoKey: string | undefined;
  output: () => string;
}

/** Starts the real gateway process (what `npm start` runs) and waits for its welcome lines. */
function startProcess(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no welcome within 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const endpoint = /GraphQL endpoint: (http:\/\/localhost:\d+\/graphql)/.exec(out)?.[1];
      if (endpoint && out.includes('\n\n', out.indexOf('GraphQL endpoint'))) {
        clearTimeout(timer);
        const demoKey = /Demo API key \(test environment\): (\S+)/.exec(out)?.[1];
        resolve({ child, endpoint: endpoint.replace('localhost', '127.0.0.1'), demoKey, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
}

function stopProcess(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.removeAllListeners('exit');
    started.child.on('exit', (code) => resolve(code));
    started.child.kill('SIGTERM');
  });
}

async function gql(endpoint: string, key: string, query: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-if-needed.js', '--quiet'], { cwd: root, stdio: 'inherit' });
}, 120_000);

(usingPostgres() ? describe.skip : describe)('npm start on the embedded database', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-start-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('a fresh start migrates, seeds demo data, prints the endpoint and a working test key; restarts keep rows and the key', async () => {
    const first = await startProcess({ DATA_DIR: dataDir });
    let customerId: string;
    try {
      expect(first.output()).toContain('Apollo Sandbox: open http://localhost:');
      const key = first.demoKey as string;
      expect(key).toMatch(/^lomi_test_[A-Za-z0-9_-]{43}$/);
      expect(statSync(path.join(dataDir, 'demo-api-key')).mode & 0o777).toBe(0o600);
      expect(existsSync(path.join(dataDir, 'gateway.lock'))).toBe(true);

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

    const second = await startProcess({ DATA_DIR: dataDir });
    try {
      expect(second.demoKey).toBe(first.demoKey);
      const read = await gql(second.endpoint, second.demoKey as string, `{ customer(id: "${customerId}") { name } }`);
      expect(read.data).toEqual({ customer: { name: 'Survives Restart' } });
    } finally {
      expect(await stopProcess(second)).toBe(0);
    }
  });

  test('a second process on the same data directory refuses with a clear message', async () => {
    const first = await startProcess({ DATA_DIR: dataDir });
    try {
      await expect(startProcess({ DATA_DIR: dataDir })).rejects.toThrow(/in use by another process/);
    } finally {
      expect(await stopProcess(first)).toBe(0);
    }
  });
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
  });
});

describe('bad configuration', () => {
  test.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
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

/**
 * `npm start` (node dist/src/main.js) with a half-set or ambiguous Supabase configuration exits
 * non-zero at once, naming the variables, and never prints the key. The gateway is compiled
 * to a temporary directory (emit only) so the test does not depend on, or disturb, dist/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const KEY = 'eyJ-service-role-secret-value';
let out: string;

beforeAll(() => {
  out = mkdtempSync(path.join(os.tmpdir(), 'gateway-build-'));
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--noCheck'], {
      stdio: 'pipe',
    });
  } catch {
    // type errors elsewhere in the tree do not stop the emit; the file check below decides
  }
  expect(existsSync(path.join(out, 'src', 'main.js'))).toBe(true);
}, 120_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

function start(env: Record<string, string>): { status: number | null; stderr: string; ms: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(out, 'src', 'main.js')], {
    // only what is given: nothing inherited may make the configuration valid or ambiguous
    env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules'), PORT: '0', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr, ms: Date.now() - started };
}

test.each<[string, Record<string, string>, string[]]>([
  ['URL without key', { SUPABASE_URL: 'https://abc.supabase.co' }, ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY']],
  ['key without URL', { SUPABASE_SERVICE_ROLE_KEY: KEY }, ['SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL']],
  ['DATABASE_URL and Supabase', { DATABASE_URL: 'postgres://u@127.0.0.1/db', SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_SERVICE_ROLE_KEY: KEY }, ['DATABASE_URL', 'SUPABASE_URL']],
  ['DATABASE_URL and a half-set Supabase', { DATABASE_URL: 'postgres://u@127.0.0.1/db', SUPABASE_SERVICE_ROLE_KEY: KEY }, ['SUPABASE_URL']],
  ['SUPABASE_URL not a URL', { SUPABASE_URL: 'abc.supabase.co', SUPABASE_SERVICE_ROLE_KEY: KEY }, ['SUPABASE_URL']],
  ['production without CURSOR_SECRET', { NODE_ENV: 'production' }, ['CURSOR_SECRET']],
  ['a CURSOR_SECRET too short', { CURSOR_SECRET: 'short' }, ['CURSOR_SECRET', '32 characters']],
  ['SUPABASE_TIMEOUT_MS out of range', { SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_SERVICE_ROLE_KEY: KEY, SUPABASE_TIMEOUT_MS: '5' }, ['SUPABASE_TIMEOUT_MS']],
])('%s: exits non-zero at once, naming %p', (_name, env, names) => {
  const { status, stderr, ms } = start(env);
  expect(status).not.toBe(0);
  expect(status).not.toBeNull(); // exited by itself, not killed by the timeout
  expect(ms).toBeLessThan(20_000); // generous: the machine may be busy; a hang would hit the 30 s kill
  expect(stderr).toMatch(/^configuration error: /);
  for (const name of names) expect(stderr).toContain(name);
  expect(stderr).not.toContain(KEY);
});

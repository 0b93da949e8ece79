import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { wantsPrettyLogs } from '../../src/logger';
import { usingPostgres } from '../helpers/test-env';

const root = path.resolve(__dirname, '../..');
const SCRIPT = '/usr/bin/script';

/**
 * Starts `node dist/src/main.js` (what npm start runs), on a terminal when `tty` (through
 * util-linux's `script`, which gives it a pseudo-terminal), and returns what it printed up to
 * its "gateway listening" log line.
 */
function startAndCollect(tty: boolean, dataDir: string): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, DEMO_CUSTOMERS: '3', TERM: 'dumb' };
  const child = tty
    ? spawn(SCRIPT, ['-qefc', `${process.execPath} dist/src/main.js`, '/dev/null'], { cwd: root, env, detached: true })
    : spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env, detached: true });
  let out = '';
  return new Promise((resolve, reject) => {
    const stop = () => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "gateway listening" within 120 s:\n${out}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (/gateway listening[^\n]*\n/.test(out)) {
        clearTimeout(timer);
        child.once('exit', () => resolve(out));
        stop();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

describe('which log format the process picks', () => {
  const config = (env: Record<string, string>) => loadConfig(env);
  test('auto: pretty only in development at a terminal', () => {
    expect(wantsPrettyLogs(config({}), true)).toBe(true);
    expect(wantsPrettyLogs(config({}), false)).toBe(false);
    expect(wantsPrettyLogs(config({ NODE_ENV: 'production', CURSOR_SECRET: 'logs-test-cursor-secret-0123456789abcdef' }), true)).toBe(false);
  });
  test('LOG_FORMAT=json or pretty decides whatever stdout is', () => {
    expect(wantsPrettyLogs(config({ LOG_FORMAT: 'json' }), true)).toBe(false);
    expect(wantsPrettyLogs(config({ LOG_FORMAT: 'pretty', NODE_ENV: 'production', CURSOR_SECRET: 'logs-test-cursor-secret-0123456789abcdef' }), false)).toBe(true);
    expect(() => config({ LOG_FORMAT: 'yaml' })).toThrow('LOG_FORMAT must be auto, json or pretty (got "yaml")');
  });
});

(usingPostgres() ? describe.skip : describe)('logs of the real process in development', () => {
  let dataDir: string;
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build-if-needed.js', '--quiet'], { cwd: root, stdio: 'inherit' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-logs-'));
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('piped: JSON lines', async () => {
    const out = await startAndCollect(false, dataDir);
    const line = out.split('\n').find((l) => l.includes('gateway listening'));
    expect(JSON.parse(line ?? '')).toMatchObject({ level: 30, msg: 'gateway listening', service: 'customers-gateway' });
  }, 150_000);

  (existsSync(SCRIPT) ? test : test.skip)('at a terminal: readable lines, no JSON', async () => {
    const out = await startAndCollect(true, dataDir);
    // colours (ANSI escapes) and the terminal's \r aside
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
    const line = plain.split('\n').find((l) => l.includes('gateway listening')) ?? '';
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening \{"port":\d+,"database":"pglite"\}$/);
    expect(out).not.toContain('{"level"');
  }, 150_000);
});

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresDatabase } from '../../src/db/pg-database';
import { openEmbeddedDatabase } from '../../src/db/pglite';
import type { SqlDatabase } from '../../src/db/sql-database';
import { projectRoot } from '../../src/paths';
import { filledLater } from './fixture';
import { RUN_DB_URL_VAR } from './test-env';

export const ROOT = projectRoot();
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Builds dist/ if the sources changed, as `npm run cli` does. */
export function buildCli(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.js'), '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where the CLI under test keeps its data: the run's PostgreSQL database when the suite runs
 * on PostgreSQL, else an embedded database in a temporary DATA_DIR of this test file.
 */
export class CliTarget {
  readonly postgresUrl = process.env[RUN_DB_URL_VAR];
  readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'gateway-cli-'));

  get embedded(): boolean {
    return !this.postgresUrl;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    // only what the CLI needs: no DATABASE_URL or SUPABASE_* leaking in from the shell
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent' };
    if (this.postgresUrl) env.DATABASE_URL = this.postgresUrl;
    else env.DATA_DIR = this.dataDir;
    return { ...env, ...extra };
  }

  run(args: readonly string[], extraEnv: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
    return this.exec(process.execPath, [CLI, ...args], extraEnv, timeoutMs);
  }

  /** Through npm, exactly as an operator types it. */
  runThroughNpm(args: readonly string[]): Promise<CliResult> {
    return this.exec('npm', ['run', '--silent', 'cli', '--', ...args], {});
  }

  private exec(file: string, args: readonly string[], extraEnv: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(file, args, { cwd: ROOT, env: this.env(extraEnv), timeout: timeoutMs }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** The CLI's database opened in this process, between two CLI runs (the lock allows one holder). */
  async withDatabase<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    const db = this.postgresUrl
      ? postgresDatabase({ connectionString: this.postgresUrl, statementTimeoutMs: 30000, poolSize: 1 })
      : await openEmbeddedDatabase(this.dataDir);
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  dispose(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The fixture of the CLI tests: dist/ built and a CliTarget, in beforeAll; its data removed in afterAll. */
export function useCli(): CliTarget {
  const cli = filledLater<CliTarget>('the CLI target');
  let made: CliTarget | undefined;
  beforeAll(() => {
    buildCli();
    cli.fill((made = new CliTarget()));
  });
  afterAll(() => made?.dispose());
  return cli.value;
}

/** The JSON document of a successful run: exactly one line of JSON on stdout, nothing on stderr. */
export function jsonOf(result: CliResult): unknown {
  if (result.code !== 0) throw new Error(`CLI failed (${result.code}): ${result.stderr}`);
  expect(result.stdout.endsWith('\n')).toBe(true);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

/** Narrows a parsed document to an object of string-keyed values. */
export function objectOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

export function stringField(value: unknown, field: string): string {
  const v = objectOf(value)[field];
  if (typeof v !== 'string') throw new Error(`${field} is not a string in ${JSON.stringify(value)}`);
  return v;
}

/** A failed run: exit 1, nothing on stdout, the error as the first stderr line. */
export function errorLineOf(result: CliResult): string {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const [line] = result.stderr.split('\n');
  expect(line).toMatch(/^error: /);
  return line;
}

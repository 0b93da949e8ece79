import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples', 'client');
const BIN = path.join(ROOT, 'node_modules', '.bin');

interface Run {
  code: number;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(BIN, command), args, { cwd, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

/**
 * docs/clients.md's configuration (examples/client/codegen.ts) run as a consumer would, against
 * the schema the gateway emits, then the example app type-checked with the generated types.
 * The copy lives under node_modules/.cache so the project's packages resolve from it.
 */
describe('client types for consumers (GraphQL Code Generator client preset)', () => {
  let dir: string;
  beforeAll(async () => {
    const cache = path.join(ROOT, 'node_modules', '.cache');
    // a fresh `npm ci` has no node_modules/.cache yet
    mkdirSync(cache, { recursive: true });
    cpSync(EXAMPLE, (dir = mkdtempSync(path.join(cache, 'client-example-'))), { recursive: true });
    const codegen = await run('graphql-codegen', ['--config', 'codegen.ts'], dir, { GATEWAY_SCHEMA: path.join(ROOT, 'schema', 'schema.graphql') });
    if (codegen.code !== 0) throw new Error(`codegen failed:\n${codegen.output}`);
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('maps the custom scalars: DateTimeISO to string, JSONObject to a record (never unknown or any)', () => {
    const generated = readFileSync(path.join(dir, 'src', 'gql', 'graphql.ts'), 'utf8');
    expect(generated).toContain('createdAt: string, metadata: Record<string, unknown> | null');
    expect(generated).toMatch(/metadata\?: Record<string, unknown> \| null/); // the create input
    expect(generated).not.toMatch(/createdAt: (any|unknown)/);
  });

  test('the Apollo Client example type-checks against the generated types', async () => {
    const tsc = await run('tsc', ['-p', 'tsconfig.json'], dir);
    expect(tsc.output).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);

  test('and the type check is real: reading createdAt as a number fails', async () => {
    const file = path.join(dir, 'src', 'customers.ts');
    const source = readFileSync(file, 'utf8');
    writeFileSync(file, source.replace('const createdAt: string = customer.createdAt', 'const createdAt: number = customer.createdAt'));
    try {
      const tsc = await run('tsc', ['-p', 'tsconfig.json'], dir);
      expect(tsc.code).not.toBe(0);
      expect(tsc.output).toContain("Type 'string' is not assignable to type 'number'");
    } finally {
      writeFileSync(file, source);
    }
  }, 120_000);
});

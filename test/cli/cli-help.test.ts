import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorLineOf, jsonOf, objectOf, ROOT, stringField, useCli } from '../helpers/cli';

// every run that opens the database boots it from disk: seconds each, more on a busy machine
jest.setTimeout(300_000);

const cli = useCli();

describe('help and version: on stdout, exit 0, no database opened', () => {
  test.each([
    [['--help'], ['usage: npm run --silent cli -- <command>', 'org list', 'key revoke --id ID', 'seed --organization ID']],
    [['help'], ['usage: npm run --silent cli -- <command>']],
    [['org', '--help'], ['org <create|list>', 'org create --name NAME', 'org list [--limit N]']],
    [['help', 'key'], ['key <create|list|revoke>', 'key revoke --id ID']],
    [['key', 'create', '--help'], ['key create --organization ID --environment live|test', '--expires-in-days N', '(required)']],
    [['seed', '-h'], ['seed --organization ID', '--transactions-per-customer M', 'progress on stderr']],
    [['help', 'org', 'list'], ['org list [--limit N]', 'activeKeys']],
  ])('%j', async (args, expected) => {
    const result = await cli.run(args, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const text of expected) expect(result.stdout).toContain(text);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      expect(await cli.run([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('commands it does not know: a clear line, then the relevant help, on stderr', () => {
  test.each([
    [['org'], 'error: org needs a subcommand: create, list', 'org <create|list>'],
    [['key'], 'error: key needs a subcommand: create, list, revoke', 'key <create|list|revoke>'],
    [['org', 'delete'], 'error: unknown command: org delete (org has create, list)', 'org <create|list>'],
    [['orgs', 'list'], 'error: unknown command: orgs', 'usage: npm run --silent cli -- <command>'],
    [['help', 'nope'], 'error: no help for "nope"', 'usage: npm run --silent cli -- <command>'],
    [[], 'error: a command is needed', 'usage: npm run --silent cli -- <command>'],
    [['org', 'list', '--color', 'red'], 'error: unknown flag for org list: --color', 'org list [--limit N]'],
  ])('%j', async (args, line, help) => {
    const result = await cli.run(args);
    expect(errorLineOf(result)).toContain(line);
    expect(result.stderr).toContain(help);
  });
});

describe('org list', () => {
  test('lists organizations newest first with merchant and active key counts', async () => {
    const first = stringField(jsonOf(await cli.run(['org', 'create', '--name', 'First Org'])), 'organizationId');
    const second = stringField(jsonOf(await cli.run(['org', 'create', '--name', 'Second Org'])), 'organizationId');
    jsonOf(await cli.run(['key', 'create', '--organization', second, '--environment', 'live']));
    const listed = objectOf(jsonOf(await cli.run(['org', 'list']))).organizations as Record<string, unknown>[];
    const ours = listed.filter((org) => org.id === first || org.id === second);
    expect(ours).toEqual([
      { id: second, name: 'Second Org', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), merchants: 1, activeKeys: 1 },
      { id: first, name: 'First Org', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), merchants: 1, activeKeys: 0 },
    ]);
    const one = objectOf(jsonOf(await cli.run(['org', 'list', '--limit', '1']))).organizations as unknown[];
    expect(one).toHaveLength(1);
    expect(errorLineOf(await cli.run(['org', 'list', '--limit', '0']))).toContain('--limit must be a whole number from 1 to 10000');
  });
});

describe('seed progress', () => {
  test('progress lines on stderr (--progress, or a terminal); the JSON result on stdout is unchanged', async () => {
    const organization = stringField(jsonOf(await cli.run(['org', 'create', '--name', 'Seeded Org'])), 'organizationId');
    const result = await cli.run(['seed', '--organization', organization, '--environment', 'test', '--customers', '2100', '--transactions-per-customer', '0', '--progress']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ customers: 2100, transactions: 0 });
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('seed: 2100 customers with 0 transactions each, in steps of 1000');
    expect(lines.slice(1).map((line) => line.replace(/, [\d.]+ s$/, ''))).toEqual([
      'seed: 1000/2100 customers (47%), 0 transactions',
      'seed: 2000/2100 customers (95%), 0 transactions',
      'seed: 2100/2100 customers (100%), 0 transactions',
    ]);
  });

  test('without a terminal or --progress, stderr stays empty', async () => {
    const organization = stringField(jsonOf(await cli.run(['org', 'create', '--name', 'Quiet Org'])), 'organizationId');
    expect(jsonOf(await cli.run(['seed', '--organization', organization, '--environment', 'test', '--customers', '3']))).toMatchObject({ customers: 3 });
  });
});

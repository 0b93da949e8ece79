import { openEmbeddedDatabase } from '../../src/db/pglite';
import { errorLineOf, jsonOf, stringField, useCli } from '../helpers/cli';

// every run that opens the database boots it from disk: seconds each, more on a busy machine
jest.setTimeout(300_000);

const cli = useCli();
let organizationId: string;
beforeAll(async () => {
  organizationId = stringField(jsonOf(await cli.run(['org', 'create', '--name', 'Errors Org'])), 'organizationId');
});

const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

describe('the command line is not understood: usage on stderr, exit 1', () => {
  test.each([
    [['bogus']],
    [['key', 'delete', '--id', ZERO_UUID]],
    [['org', 'create', '--name', 'x', '--color', 'red']],
    [['key', 'list', '--organization', ZERO_UUID, '--environment', 'test']],
    [['migrate', 'now']],
  ])('%j', async (args) => {
    const result = await cli.run(args);
    errorLineOf(result);
    expect(result.stderr).toContain('usage: npm run --silent cli --');
  });

  test('--help prints the usage on stdout and nothing on stderr', async () => {
    const result = await cli.run(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('key create --organization ID');
  });
});

describe('bad flag values: one readable line on stderr, exit 1', () => {
  test.each([
    [['org', 'create'], '--name'],
    [['org', 'create', '--name', '   '], '--name must not be blank'],
    [['org', 'create', '--name'], '--name needs a value'],
    [['key', 'create', '--organization', 'nope', '--environment', 'test'], '--organization must be a UUID'],
    [['key', 'create', '--organization', ZERO_UUID, '--environment', 'prod'], '--environment must be live or test'],
    [['key', 'create', '--organization', ZERO_UUID, '--environment', 'LIVE'], '--environment must be live or test'],
    [['key', 'create', '--organization', ZERO_UUID, '--environment', 'test', '--expires-in-days', '0'], '--expires-in-days must be a whole number'],
    [['key', 'create', '--organization', ZERO_UUID, '--environment', 'test', '--expires-in-days', '1.5'], '--expires-in-days must be a whole number'],
    [['key', 'create', '--organization', ZERO_UUID, '--environment', 'test', '--merchant', '12'], '--merchant must be a UUID'],
    [['key', 'revoke', '--id', 'x'], '--id must be a UUID'],
    [['seed', '--organization', ZERO_UUID, '--environment', 'test', '--customers', 'abc'], '--customers must be a whole number'],
    [['seed', '--organization', ZERO_UUID, '--environment', 'test', '--customers', '-5'], '--customers'],
    [['seed', '--organization', ZERO_UUID, '--environment', 'test', '--customers', '5', '--transactions-per-customer', '101'], '--transactions-per-customer must be a whole number'],
    [['seed', '--organization', ZERO_UUID, '--environment', 'test'], 'seed needs --customers'],
    [['org', 'create', '--name', 'a', '--name', 'b'], '--name is given twice'],
  ])('%j', async (args, message) => {
    const result = await cli.run(args);
    expect(errorLineOf(result)).toContain(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('the database refuses: one readable line on stderr, exit 1', () => {
  test.each([
    [['key', 'create', '--organization', ZERO_UUID, '--environment', 'test'], `no organization ${ZERO_UUID}`],
    [['seed', '--organization', ZERO_UUID, '--environment', 'test', '--customers', '1'], `no organization ${ZERO_UUID}`],
    [['key', 'revoke', '--id', ZERO_UUID], 'no active API key'],
  ])('%j', async (args, message) => {
    const result = await cli.run(args);
    expect(errorLineOf(result)).toContain(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('a merchant of another organization is refused', async () => {
    const other = jsonOf(await cli.run(['org', 'create', '--name', 'Other']));
    const result = await cli.run(['key', 'create', '--organization', organizationId, '--environment', 'test', '--merchant', stringField(other, 'merchantId')]);
    expect(errorLineOf(result)).toContain('no merchant');
  });

  test('revoking twice: the second is an error', async () => {
    const key = jsonOf(await cli.run(['key', 'create', '--organization', organizationId, '--environment', 'test']));
    jsonOf(await cli.run(['key', 'revoke', '--id', stringField(key, 'id')]));
    expect(errorLineOf(await cli.run(['key', 'revoke', '--id', stringField(key, 'id')]))).toContain('no active API key');
  });

  test('a bad configuration is named', async () => {
    expect(errorLineOf(await cli.run(['migrate'], { API_KEY_PREFIX: 'Bad Prefix!' }))).toContain('API_KEY_PREFIX');
  });

  test('an unreachable PostgreSQL server is reported in one line', async () => {
    const line = errorLineOf(await cli.run(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }));
    expect(line).toContain('cannot use the database (unavailable');
  });
});

(process.env.GATEWAY_TEST_RUN_DATABASE_URL ? describe.skip : describe)('the embedded database in use by another process', () => {
  test('the CLI refuses with the lock message and leaves the database alone', async () => {
    const held = await openEmbeddedDatabase(cli.dataDir);
    try {
      const result = await cli.run(['org', 'create', '--name', 'Blocked']);
      const line = errorLineOf(result);
      expect(line).toContain(`is in use by another process (pid ${process.pid})`);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await held.close();
    }
    // released: the CLI works again
    expect(stringField(jsonOf(await cli.run(['org', 'create', '--name', 'Unblocked'])), 'organizationId')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

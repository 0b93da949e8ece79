import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApiKey } from '../../src/admin/admin';
import { freePort } from '../../bench/servers';
import { postgresDatabase } from '../../src/db/pg-database';
import type { Started } from '../helpers/process';
import { root, startProcess, stopProcess } from '../helpers/process';
import { createTenant } from '../helpers/tenants';
import { ADMIN_URL, databaseUrl, usingPostgres } from '../helpers/test-env';

/** Debian's package `pgbouncer` (1.18 on bookworm); .ci/run installs it when missing. */
const PGBOUNCER = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';
/** What the database itself enforces (ALTER DATABASE ... SET): the gateway cannot send it through the pooler. */
const SERVER_TIMEOUT_MS = 2000;
/** The gateway's own bound, and the client-side safety net just past it. */
const GATEWAY_TIMEOUT_MS = 5000;
/** Server connections PgBouncer keeps per database: fewer than the gateway's pool, so transactions share them. */
const SERVER_POOL = 3;

const skipReason = !usingPostgres()
  ? 'PostgreSQL pass only (TEST_DATABASE_URL)'
  : !existsSync(PGBOUNCER)
    ? `no PgBouncer binary at ${PGBOUNCER} (apt-get install pgbouncer; .ci/run does)`
    : undefined;

/** A PgBouncer of this test, in transaction mode, trusting the local PostgreSQL's users. */
async function startPgBouncer(dir: string, upstream: URL): Promise<{ port: number; child: ChildProcessWithoutNullStreams; output: () => string }> {
  const port = await freePort();
  const user = decodeURIComponent(upstream.username || 'postgres');
  writeFileSync(path.join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${SERVER_POOL}`,
      'max_client_conn = 200',
      '',
    ].join('\n'),
  );
  // PgBouncer will not run as root: it then drops to nobody, who must be able to read the files
  const asRoot = process.getuid?.() === 0;
  if (asRoot) for (const file of ['', 'users.txt', 'pgbouncer.ini']) chmodSync(path.join(dir, file), file ? 0o644 : 0o755);
  const child = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'nobody'] : []), path.join(dir, 'pgbouncer.ini')]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}:\n${output}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return { port, child, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`pgbouncer did not listen on ${port}:\n${output}`);
}

/** Runs the gateway process to its end (it is expected to refuse to start); its exit code and output. */
function failedStart(env: Record<string, string>): { status: number | null; output: string } {
  try {
    execFileSync(process.execPath, ['dist/src/main.js'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: 'pipe',
      timeout: 30_000,
    });
    return { status: 0, output: '' };
  } catch (error) {
    const failure = error as { status: number | null; stdout: Buffer; stderr: Buffer };
    return { status: failure.status, output: String(failure.stdout) + String(failure.stderr) };
  }
}

interface FeedPage {
  changes: { id: string; deleted: boolean; customer?: unknown }[];
  cursor: string;
}

/**
 * Reads the change feed from the beginning, page after page, until `id` is in it: a change
 * arrives once every transaction older than it has ended, anywhere on the server (other test
 * runs included), so it may take a few reads. At most a minute.
 */
async function untilInFeed(id: string, read: (since: string | null) => Promise<FeedPage>): Promise<FeedPage['changes']> {
  const seen: FeedPage['changes'] = [];
  let since: string | null = null;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const page = await read(since);
    seen.push(...page.changes);
    since = page.cursor;
    if (seen.some((change) => change.id === id)) return seen;
    if (page.changes.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

interface Gql {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

(skipReason ? describe.skip : describe)(`behind PgBouncer in transaction mode (DB_POOL_MODE=transaction)${skipReason ? ` [skipped: ${skipReason}]` : ''}`, () => {
  const admin = new URL(ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const stamp = `${Date.now()}_${randomBytes(3).toString('hex')}`;
  const database = `gateway_pgbouncer_${stamp}`;
  /** A database whose role and database set no statement_timeout of their own. */
  const unbounded = `gateway_pgbouncer_unbounded_${stamp}`;
  let dir: string;
  let bouncer: Awaited<ReturnType<typeof startPgBouncer>>;
  let gateway: Started;
  let key: string;
  let direct: ReturnType<typeof postgresDatabase>;
  const viaBouncer = (name: string) => `postgres://${admin.username || 'postgres'}@127.0.0.1:${bouncer.port}/${name}`;
  const directUrl = (name: string) => databaseUrl(admin.toString(), name);

  async function gql(query: string, variables?: Record<string, unknown>): Promise<Gql> {
    const response = await fetch(gateway.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Gql;
  }

  async function rest(method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(gateway.endpoint.replace('/graphql', route), {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-if-needed.js', '--quiet'], { cwd: root, stdio: 'inherit' });
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`create database "${database}"`);
      await client.query(`create database "${unbounded}"`);
      // the timeout the pooler cannot carry, set where every server connection picks it up
      await client.query(`alter database "${database}" set statement_timeout = '${SERVER_TIMEOUT_MS}ms'`);
    } finally {
      await client.end();
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-pgbouncer-'));
    bouncer = await startPgBouncer(dir, admin);
    gateway = await startProcess({
      DATABASE_URL: viaBouncer(database),
      DB_POOL_MODE: 'transaction',
      // migrations (their advisory lock is a session's) go to PostgreSQL itself
      DATABASE_DIRECT_URL: directUrl(database),
      DB_POOL_SIZE: '10',
      DB_STATEMENT_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
      DATA_DIR: path.join(dir, 'data'),
    });
    direct = postgresDatabase({ connectionString: directUrl(database), statementTimeoutMs: 30_000, poolSize: 2 });
    const tenant = await createTenant(direct);
    key = (await createApiKey(direct, { organizationId: tenant.organizationId, environment: 'test', prefix: 'lomi' })).apiKey;
  }, 180_000);

  afterAll(async () => {
    if (gateway) await stopProcess(gateway);
    await direct?.close();
    if (bouncer) {
      bouncer.child.kill('SIGTERM');
      if (bouncer.child.exitCode === null) await new Promise((resolve) => bouncer.child.once('exit', resolve));
    }
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`drop database if exists "${database}" with (force)`);
      await client.query(`drop database if exists "${unbounded}" with (force)`);
    } finally {
      await client.end();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('GraphQL: lists, creates, updates, the change feed and connections', async () => {
    const created = await gql('mutation($n: String!) { createCustomer(input: { name: $n, email: "ama@example.com" }) { id name version } }', { n: 'Ama Mensah' });
    expect(created.errors).toBeUndefined();
    const customer = created.data?.createCustomer as { id: string; version: number };

    const updated = await gql('mutation($id: ID!) { updateCustomer(id: $id, input: { city: "Accra" }) { id city version } }', { id: customer.id });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateCustomer).toEqual({ id: customer.id, city: 'Accra', version: customer.version + 1 });

    const listed = await gql('{ customers(search: "Mensah") { customers { id city } pagination { totalCount } } }');
    expect(listed.data?.customers).toEqual({ customers: [{ id: customer.id, city: 'Accra' }], pagination: { totalCount: 1 } });

    const changes = await untilInFeed(customer.id, async (since) => {
      const feed = await gql('query($since: String) { customerChanges(first: 100, since: $since) { changes { id deleted customer { city } } cursor } }', { since });
      expect(feed.errors).toBeUndefined();
      return feed.data?.customerChanges as FeedPage;
    });
    expect(changes).toContainEqual({ id: customer.id, deleted: false, customer: { city: 'Accra' } });

    const first = await gql('{ customersConnection(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } }');
    expect(first.errors).toBeUndefined();
    const page = first.data?.customersConnection as { nodes: { id: string }[]; pageInfo: { endCursor: string } };
    expect(page.nodes).toHaveLength(1);
    const next = await gql('query($after: String) { customersConnection(first: 1, after: $after) { nodes { id } } }', { after: page.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
  });

  test('REST: list, create, update and the change feed', async () => {
    const created = await rest('POST', '/customers', { name: 'Kofi Boateng' });
    expect(created.status).toBe(201);
    const id = created.body.customer_id as string;
    const patched = await rest('PATCH', `/customers/${id}`, { city: 'Kumasi' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ customer_id: id, city: 'Kumasi' });
    const listed = await rest('GET', '/customers?search=Boateng');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(id);
    const changes = await untilInFeed(id, async (since) => {
      const page = await rest('GET', `/customers/changes${since ? `?since=${encodeURIComponent(since)}` : ''}`);
      expect(page.status).toBe(200);
      return page.body as unknown as FeedPage;
    });
    expect(changes).toContainEqual(expect.objectContaining({ id, deleted: false }));
  });

  test(`concurrent requests share ${SERVER_POOL} server connections, with no statement of one request reaching another's`, async () => {
    const names = Array.from({ length: 24 }, (_, i) => `Concurrent ${i}`);
    const results = await Promise.all([
      ...names.map((name) => gql('mutation($n: String!) { createCustomer(input: { name: $n }) { name } }', { n: name })),
      ...names.map(() => gql('{ customers(search: "Concurrent", pageSize: 50) { customers { name } } }')),
    ]);
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(results.slice(0, names.length).map((r) => (r.data?.createCustomer as { name: string }).name)).toEqual(names);
    const total = await gql('{ customers(search: "Concurrent") { pagination { totalCount } } }');
    expect(total.data?.customers).toEqual({ pagination: { totalCount: names.length } });
  });

  test("the database's own statement timeout ends a call stuck behind a lock with SERVICE_UNAVAILABLE, on the server", async () => {
    const created = await gql('mutation { createCustomer(input: { name: "Locked Row" }) { id } }');
    const id = (created.data?.createCustomer as { id: string }).id;
    const holder = new pg.Client({ connectionString: directUrl(database) });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from customers where customer_id = $1 for update', [id]);
      const stuck = await gql('mutation($id: ID!) { updateCustomer(id: $id, input: { city: "Tamale" }) { id } }', { id });
      expect(stuck.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      // the server cancelled the statement (the client-side safety net would leave it waiting)
      const waiting = await holder.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      expect(waiting.rows).toEqual([{ n: 0 }]);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    const after = await gql('mutation($id: ID!) { updateCustomer(id: $id, input: { city: "Tamale" }) { city } }', { id });
    expect(after.data?.updateCustomer).toEqual({ city: 'Tamale' });
  });

  test('without DB_POOL_MODE=transaction the gateway cannot start: PgBouncer refuses the statement_timeout startup parameter', () => {
    const { status, output } = failedStart({ DATABASE_URL: viaBouncer(database), DATA_DIR: path.join(dir, 'data') });
    expect(status).toBe(1);
    expect(output).toMatch(/unsupported startup parameter: statement_timeout/);
  });

  test('in transaction mode, a database without a statement_timeout of its own is refused at start, naming the fix', () => {
    const { status, output } = failedStart({
      DATABASE_URL: viaBouncer(unbounded),
      DB_POOL_MODE: 'transaction',
      DATABASE_DIRECT_URL: directUrl(unbounded),
      DATA_DIR: path.join(dir, 'data'),
    });
    expect(status).toBe(1);
    expect(output).toMatch(/statement_timeout is not set \(0\).*ALTER ROLE/);
  });
});

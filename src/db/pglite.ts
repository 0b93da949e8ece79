import { Worker } from 'node:worker_threads';
import path from 'node:path';
import type { DatabaseUsage, Row, RpcArgs, RpcFunction } from './database';
import { DatabaseError, toDatabaseError } from './errors';
import { lockDataDir, makePrivate } from './lock';
import type { WorkerError, WorkerReady, WorkerReply, WorkerRequest, WorkerStart } from './pglite-protocol';
import { parseReply, toDate } from './pglite-rows';
import type { SqlDatabase, SqlSession } from './sql-database';
import { rpcStatement } from './sql-database';

const WORKER_FILE = path.join(__dirname, 'pglite-worker.js');

/** SQLSTATE of a statement cancelled by its timeout (as PostgreSQL reports it). */
const QUERY_CANCELED = '57014';
/** SQLSTATE "cannot connect now": the embedded database is still busy past a timeout. */
const CANNOT_CONNECT_NOW = '57P03';
const ADMIN_SHUTDOWN = '57P01';

export interface EmbeddedOptions {
  /**
   * How long a request waits for its statement, queueing included (DB_STATEMENT_TIMEOUT_MS);
   * 0 waits for ever (the CLI's admin work). `session()` work never times out.
   */
  statementTimeoutMs?: number;
  /** How often, at most, tables are checked for stale planner statistics (default 2 s). */
  statisticsCheckMs?: number;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<WorkerRequest>;
type Ok<K extends string> = Extract<WorkerReply, { ok: true } & Record<K, unknown>>;

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: DatabaseError): void;
  timer?: NodeJS.Timeout;
  /** The caller stopped waiting (timeout); the reply, when it comes, is dropped. */
  abandoned: boolean;
}

function errorFrom(error: WorkerError): DatabaseError {
  return toDatabaseError(Object.assign(new Error(error.message), { code: error.code }));
}

function unavailable(reason: string, code = CANNOT_CONNECT_NOW): DatabaseError {
  return new DatabaseError('unavailable', code, { cause: new Error(reason) });
}

/** Rows sent as arrays under one list of column names, back into objects (dates and JSON made here). */
function toObjects<R>(reply: Ok<'rows'>): R[] {
  const { fields, rows, dates, json } = reply;
  const objects = new Array<R>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const values = rows[i];
    for (const j of dates) if (values[j] !== null) values[j] = toDate(values[j] as string);
    for (const j of json) if (values[j] !== null) values[j] = JSON.parse(values[j] as string);
    const object: Record<string, unknown> = {};
    for (let j = 0; j < fields.length; j++) object[fields[j]] = values[j];
    objects[i] = object as R;
  }
  return objects;
}

/**
 * The embedded database: real PostgreSQL in WebAssembly (PGlite), run on a worker thread of
 * this process (src/db/pglite-worker.js) so that a long statement never blocks the event loop.
 *
 * PGlite has one session: statements run one at a time, in order. Each request's statement
 * has a deadline (DB_STATEMENT_TIMEOUT_MS from when it was asked, queueing included): past it
 * the caller gets a timeout at once, and a statement that has not started is dropped. PGlite
 * cannot cancel a running statement, so one that runs past its deadline keeps the session
 * until it ends; meanwhile new requests are refused at once as unavailable (rather than
 * queued behind it to time out in turn), and the ones already queued keep their own
 * deadlines. /health does not use the database and keeps answering.
 *
 * `session()` (migrations, seeding, tests) has the session to itself until its work ends:
 * requests wait for it, and its statements have no deadline.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests whose caller timed out and whose statement the worker has not finished. */
  private overdue = 0;
  /** Set while a session() holds the database; resolves when it ends. */
  private exclusive: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private broken: DatabaseError | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly statementTimeoutMs: number,
    private readonly onClose?: () => void,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.fail(unavailable(`the embedded database's thread failed: ${error.message}`, ADMIN_SHUTDOWN)));
    worker.on('exit', () => this.fail(unavailable('the embedded database has stopped', ADMIN_SHUTDOWN)));
    worker.unref();
  }

  /** Starts the worker and resolves once PGlite is open in it. */
  static async start(start: WorkerStart, options: EmbeddedOptions, onClose?: () => void): Promise<PgliteDatabase> {
    const worker = new Worker(WORKER_FILE, { workerData: start, transferList: start.loadDataDir ? [start.loadDataDir] : [] });
    let onMessage!: (ready: WorkerReady) => void;
    let onError!: (error: Error) => void;
    let onExit!: (code: number) => void;
    try {
      const ready = await new Promise<WorkerReady>((resolve, reject) => {
        onMessage = resolve;
        onError = reject;
        onExit = (code) => reject(new Error(`the embedded database's thread exited (${code}) while opening`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
      if (!ready.ready) throw errorFrom(ready.error);
    } catch (error) {
      await worker.terminate();
      throw error;
    } finally {
      // only ours: Worker keeps listeners of its own on itself
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }
    return new PgliteDatabase(worker, options.statementTimeoutMs ?? 0, onClose);
  }

  async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
    const { text, values } = rpcStatement(fn, args);
    while (this.exclusive) await this.exclusive;
    return this.query<R>(text, values, this.statementTimeoutMs);
  }

  /**
   * The one session: in use while a statement of a request runs (or a caller timed out on one
   * the worker has not finished); the other requests' statements wait behind it.
   */
  usage(): DatabaseUsage {
    const asked = this.pending.size;
    return { inUse: Math.min(asked, 1), waiting: Math.max(asked - 1, 0), open: Math.min(asked, 1) };
  }

  async session<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      return await work(this.sessionView(false));
    } finally {
      this.exclusive = undefined;
      release();
    }
  }

  async ping(): Promise<void> {
    while (this.exclusive) await this.exclusive;
    await this.query('select 1', [], this.statementTimeoutMs);
  }

  /**
   * Analyses the tables changed by more than autovacuum's threshold since their last ANALYZE
   * (the worker also does this by itself after activity). Returns their names.
   */
  async refreshStatistics(): Promise<string[]> {
    const reply = (await this.send({ op: 'statistics' }, 0)) as Ok<'analyzed'>;
    return reply.analyzed;
  }

  /** The database as an uncompressed tarball (PGlite's `dumpDataDir`), e.g. a test template. */
  async dumpDataDir(): Promise<Uint8Array> {
    while (this.exclusive) await this.exclusive;
    const reply = (await this.send({ op: 'dump' }, 0)) as Ok<'dump'>;
    return new Uint8Array(reply.dump);
  }

  /** Closes PGlite cleanly (after the statements already asked for), stops the thread, releases the lock. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!this.broken) await this.send({ op: 'close' }, 0);
      } finally {
        this.broken ??= unavailable('the embedded database is closed', ADMIN_SHUTDOWN);
        await this.worker.terminate();
        this.onClose?.();
      }
    })();
    return this.closing;
  }

  private sessionView(inTransaction: boolean): SqlSession {
    return {
      query: (text, values) => this.query(text, values ?? [], 0),
      exec: async (sql) => {
        await this.send({ op: 'exec', sql }, 0);
      },
      transaction: async (work) => {
        if (inTransaction) return work(this.sessionView(true));
        await this.send({ op: 'exec', sql: 'begin' }, 0);
        try {
          await work(this.sessionView(true));
        } catch (error) {
          await this.send({ op: 'exec', sql: 'rollback' }, 0);
          throw error;
        }
        await this.send({ op: 'exec', sql: 'commit' }, 0);
      },
    };
  }

  private async query<R>(text: string, values: unknown[], timeoutMs: number): Promise<R[]> {
    const reply = (await this.send({ op: 'query', text, values, deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0 }, timeoutMs)) as Ok<'rows'> | Ok<'raw'>;
    if (!('raw' in reply)) return toObjects<R>(reply);
    const parsed = parseReply<R>(reply.raw);
    if (!parsed.ok) throw errorFrom(parsed.error);
    return parsed.rows;
  }

  /** Posts one request; resolves with its reply, or rejects with a DatabaseError. */
  private send(request: Request, timeoutMs: number): Promise<WorkerReply> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing && request.op !== 'close') return Promise.reject(unavailable('the embedded database is closing', ADMIN_SHUTDOWN));
    if (timeoutMs > 0 && this.overdue > 0) {
      return Promise.reject(unavailable('the embedded database is still running a statement past DB_STATEMENT_TIMEOUT_MS'));
    }
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      const pending: Pending = { resolve, reject, abandoned: false };
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          pending.abandoned = true;
          this.overdue++;
          reject(new DatabaseError('timeout', QUERY_CANCELED, { cause: new Error(`no answer from the embedded database within ${timeoutMs} ms`) }));
        }, timeoutMs);
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, pending);
      this.worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    clearTimeout(pending.timer);
    if (pending.abandoned) {
      this.overdue--;
      return;
    }
    if (reply.ok) pending.resolve(reply);
    else if ('expired' in reply) pending.reject(new DatabaseError('timeout', QUERY_CANCELED));
    else pending.reject(errorFrom(reply.error));
  }

  /** The thread died: every waiting caller gets `unavailable`, and so does every later one. */
  private fail(error: DatabaseError): void {
    this.broken ??= error;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      if (!pending.abandoned) pending.reject(error);
    }
    this.pending.clear();
    this.overdue = 0;
  }
}

/** An in-memory embedded database: empty, or loaded from a `dumpDataDir()` tarball (tests). */
export function memoryDatabase(options: EmbeddedOptions & { loadDataDir?: Uint8Array } = {}): Promise<PgliteDatabase> {
  // the worker takes the bytes over (transfer): give it a copy of its own
  const loadDataDir = options.loadDataDir ? new Uint8Array(options.loadDataDir).buffer : undefined;
  return PgliteDatabase.start({ loadDataDir, statisticsCheckMs: options.statisticsCheckMs ?? 2000 }, options);
}

/**
 * Opens (creating if needed) the persistent embedded database in `dataDir`. A lock file makes
 * a second process refuse rather than corrupt the files; closing the database releases it.
 * The directory and every file in it are private to the user running the gateway.
 */
export async function openEmbeddedDatabase(dataDir: string, options: EmbeddedOptions = {}): Promise<PgliteDatabase> {
  const release = lockDataDir(dataDir);
  try {
    const pgdata = path.join(dataDir, 'pgdata');
    makePrivate(pgdata);
    const db = await PgliteDatabase.start({ dataDir: pgdata, statisticsCheckMs: options.statisticsCheckMs ?? 2000 }, options, release);
    // a new cluster is copied out of PGlite's image with mode 0666 files: take that back
    makePrivate(pgdata);
    return db;
  } catch (error) {
    release();
    throw error;
  }
}

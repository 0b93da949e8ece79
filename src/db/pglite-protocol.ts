/**
 * The messages between the gateway's thread and the embedded database's worker thread
 * (src/db/pglite-worker.js). One request message per statement, one reply per request.
 * Rows travel as arrays under one list of column names, so a page of rows costs the structured
 * clone of its values, not of every row's keys again.
 */

/** How the worker opens PGlite: a directory on disk, a dump loaded into memory, or empty memory. */
export interface WorkerStart {
  dataDir?: string;
  /** A `dumpDataDir()` tarball (transferred, not copied). */
  loadDataDir?: ArrayBuffer;
  /** How often, at most, the worker checks whether tables need new planner statistics. */
  statisticsCheckMs: number;
}

export type WorkerRequest =
  | {
      id: number;
      op: 'query';
      text: string;
      values: unknown[];
      /** Epoch ms after which the statement must not start (the caller stopped waiting). 0: none. */
      deadline: number;
    }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'dump' }
  | { id: number; op: 'statistics' }
  | { id: number; op: 'close' };

/** A database error, reduced to what may cross the thread boundary and be logged. */
export interface WorkerError {
  code?: string;
  message: string;
}

export type WorkerReply =
  /** The backend's raw reply to a statement (its messages, read by pglite-rows.ts), transferred. */
  | { id: number; ok: true; raw: ArrayBuffer }
  | {
      id: number;
      ok: true;
      fields: string[];
      rows: unknown[][];
      /** Columns of dates and timestamps, sent as PostgreSQL's text. */
      dates: number[];
      /** Columns of json and jsonb, sent as text. */
      json: number[];
    }
  | { id: number; ok: true; dump: ArrayBuffer }
  | { id: number; ok: true; analyzed: string[] }
  | { id: number; ok: true }
  | { id: number; ok: false; error: WorkerError }
  /** The deadline passed before the statement could start: it never ran. */
  | { id: number; ok: false; expired: true };

/** The first message of a worker: PGlite is open, or could not be. */
export type WorkerReady = { ready: true } | { ready: false; error: WorkerError };

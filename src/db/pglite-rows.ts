/**
 * The embedded database's answer to one statement, read from PostgreSQL's own wire messages.
 *
 * The worker thread (pglite-worker.js) hands over the backend's raw reply to a call (Parse,
 * Bind, Describe, Execute, Sync) as one transferred buffer: no parsing there and no structured
 * clone of every value on the way. PGlite's own reader builds an object per message and per
 * field, which cost about three times what running a 50-row statement itself costs; this reader
 * walks the buffer once and makes only the values.
 *
 * Values come in PostgreSQL's text format. The column types read here are those the gateway's
 * functions return; the worker checks a statement's RowDescription first and parses anything
 * else itself with PGlite's parsers (the list is pglite-fast-types.js, shared by both threads).
 */
import { FAST_TYPES } from './pglite-fast-types';

/** A database error from the reply, as the backend reported it (SQLSTATE and message). */
export interface ReplyError {
  code?: string;
  message: string;
}

export type ParsedReply<R> = { ok: true; rows: R[] } | { ok: false; error: ReplyError };

/** A date or timestamp column's text, as PGlite itself parses it. */
export function toDate(text: string): Date | number {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  return new Date(text);
}

const ROW_DESCRIPTION = 0x54; // 'T'
const DATA_ROW = 0x44; // 'D'
const ERROR_RESPONSE = 0x45; // 'E'

function cString(bytes: Buffer, start: number): { text: string; next: number } {
  const end = bytes.indexOf(0, start);
  return { text: bytes.toString('utf8', start, end), next: end + 1 };
}

/** The error fields of an ErrorResponse body: SQLSTATE ('C') and message ('M'). */
function readError(bytes: Buffer, start: number, end: number): ReplyError {
  let code: string | undefined;
  let message = 'database error';
  let at = start;
  while (at < end && bytes[at] !== 0) {
    const field = bytes[at];
    const { text, next } = cString(bytes, at + 1);
    if (field === 0x43) code = text;
    else if (field === 0x4d) message = text;
    at = next;
  }
  return { code, message };
}

/**
 * Rows as objects keyed by column name, from the backend's messages for one statement. The
 * first ErrorResponse, if any, is the answer instead (the backend skips to Sync after it).
 */
export function parseReply<R>(raw: ArrayBuffer): ParsedReply<R> {
  const bytes = Buffer.from(raw);
  let names: string[] = [];
  let kinds: (string | undefined)[] = [];
  const rows: R[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const type = bytes[at];
    const end = at + 1 + bytes.readInt32BE(at + 1);
    let p = at + 5;
    if (type === ROW_DESCRIPTION) {
      const count = bytes.readInt16BE(p);
      p += 2;
      names = new Array<string>(count);
      kinds = new Array<string | undefined>(count);
      for (let i = 0; i < count; i++) {
        const { text, next } = cString(bytes, p);
        names[i] = text;
        // table oid (4), column number (2), then the type oid (4), size (2), modifier (4), format (2)
        kinds[i] = (FAST_TYPES as Record<number, string | undefined>)[bytes.readInt32BE(next + 6)];
        p = next + 18;
      }
    } else if (type === DATA_ROW) {
      const count = bytes.readInt16BE(p);
      p += 2;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const length = bytes.readInt32BE(p);
        p += 4;
        if (length < 0) {
          row[names[i]] = null;
          continue;
        }
        const text = bytes.toString('utf8', p, p + length);
        p += length;
        switch (kinds[i]) {
          case 'number':
            row[names[i]] = +text;
            break;
          case 'bool':
            row[names[i]] = text === 't';
            break;
          case 'date':
            row[names[i]] = toDate(text);
            break;
          case 'json':
            row[names[i]] = JSON.parse(text);
            break;
          default:
            row[names[i]] = text;
        }
      }
      rows.push(row as R);
    } else if (type === ERROR_RESPONSE) {
      return { ok: false, error: readError(bytes, p, end) };
    }
    at = end;
  }
  return { ok: true, rows };
}

/**
 * A stand-in for PostgREST's RPC endpoint, for testing the Supabase adapter.
 *
 * Why it exists: PostgREST (and so a Supabase stack) cannot run on these machines, and the
 * adapter must still be tested against real HTTP. This server speaks the part of PostgREST's
 * protocol the gateway uses: `POST /rest/v1/rpc/<name>` with a JSON object of named
 * arguments, the `apikey` and `Authorization: Bearer` headers, and PostgREST's answers: a JSON
 * array of rows (built with json_agg, as PostgREST does, so timestamps arrive as
 * `2025-01-01T10:00:00.123456+00:00`, bigint and numeric as JSON numbers), or an error object
 * `{ code, message, details, hint }` with PostgREST's HTTP status for that SQLSTATE.
 *
 * It answers by calling the named SQL function on the test database (PGlite or PostgreSQL).
 * Contract tests can also queue canned answers (errors, a closed socket, a slow answer) and
 * read back every request it received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../src/db/database';
import { isRpcFunction } from '../../src/db/database';
import type { SupabaseDatabase, SupabaseOptions } from '../../src/db/supabase';
import { supabaseDatabase } from '../../src/db/supabase';
import type { SqlDatabase } from '../../src/db/sql-database';
import { rpcStatement } from '../../src/db/sql-database';
import { openTestDatabase } from './database';
import { filledLater } from './fixture';

export const STANDIN_SERVICE_ROLE_KEY = 'test-service-role-key.not-a-real-jwt';

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/rest/v1/rpc/verify_api_key`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body text, and its JSON value (undefined when it is not JSON). */
  rawBody: string;
  body: unknown;
}

export type CannedAnswer = (
  /** Any status and JSON body, e.g. a PostgREST error. */
  | { kind: 'json'; status: number; body: unknown }
  /** A non-JSON body, as a proxy in front of PostgREST might send. */
  | { kind: 'text'; status: number; body: string }
  /** Destroys the connection without answering. */
  | { kind: 'close' }
  /** Waits, then answers from the database (or never, if the client gives up first). */
  | { kind: 'slow'; delayMs: number }
) & {
  /** Only for calls of this function (default: the next call of any function). */
  fn?: string;
};

export interface PostgrestStandin {
  /** The project URL to give supabase-js (`SUPABASE_URL`). */
  readonly url: string;
  readonly serviceRoleKey: string;
  readonly requests: ReceivedRequest[];
  /** Answers for the next requests (of `fn`, when given), in order, instead of the database. */
  queue(...answers: CannedAnswer[]): void;
  close(): Promise<void>;
}

/** PostgREST's HTTP status for a PostgreSQL error (postgrest.org, "Errors"). */
export function statusOfSqlState(code: string): number {
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42501') return 403;
  if (code === 'P0001') return 400;
  if (/^(08|53)/.test(code)) return 503;
  if (/^(0L|0P|28)/.test(code)) return 403;
  if (/^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|P0|XX)/.test(code) || code === '42P17') return 500;
  return 400;
}

/** A PostgREST-shaped error whose details and hint carry text that must never reach a client. */
export function postgrestError(code: string, status = code.startsWith('PGRST') ? 400 : statusOfSqlState(code)): CannedAnswer {
  return {
    kind: 'json',
    status,
    body: {
      code,
      message: `SECRET-MESSAGE for ${code}`,
      details: 'SECRET-DETAILS Key (email)=(someone@example.com) already exists.',
      hint: 'SECRET-HINT select * from customers',
    },
  };
}

function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function textField(error: unknown, key: 'message' | 'detail' | 'hint'): string | null {
  if (typeof error !== 'object' || error === null || !(key in error)) return null;
  const value: unknown = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Calls the function as PostgREST does: rows aggregated to one JSON array by the database. */
async function answerFromDatabase(db: SqlDatabase, res: http.ServerResponse, name: string, body: unknown): Promise<void> {
  if (!isRpcFunction(name)) {
    send(res, 404, {
      code: 'PGRST202',
      message: `Could not find the function public.${name} in the schema cache`,
      details: 'Searched for the function with the given parameters, but no matches were found in the schema cache.',
      hint: null,
    });
    return;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    send(res, 400, { code: 'PGRST102', message: 'Invalid body', details: null, hint: null });
    return;
  }
  let statement: { text: string; values: unknown[] };
  try {
    statement = rpcStatement(name, body as Record<string, unknown>);
  } catch {
    send(res, 404, { code: 'PGRST202', message: `Could not find the function public.${name}`, details: null, hint: null });
    return;
  }
  try {
    const rows = await db.session((session) =>
      session.query<{ body: string }>(`select coalesce(json_agg(_postgrest_t), '[]')::text as body from (${statement.text}) _postgrest_t`, statement.values),
    );
    const text = rows[0]?.body ?? '[]';
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } catch (error) {
    const code = sqlStateOf(error);
    if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) {
      // no SQLSTATE: the database could not be reached (ECONNREFUSED, a dropped connection)
      send(res, 503, { code: 'PGRST000', message: 'Could not connect with the database', details: null, hint: null });
      return;
    }
    if (code === '42883') {
      // PostgREST resolves functions by argument names from its schema cache
      send(res, 404, { code: 'PGRST202', message: `Could not find the function public.${name} with the given parameters`, details: null, hint: null });
      return;
    }
    send(res, statusOfSqlState(code), { code, message: textField(error, 'message') ?? '', details: textField(error, 'detail'), hint: textField(error, 'hint') });
  }
}

/**
 * Starts the stand-in on a random local port. Without `db` it can only give canned answers
 * (anything else is a 500), which suits tests of the adapter's error handling.
 */
export async function startPostgrestStandin(options: { db?: SqlDatabase; serviceRoleKey?: string } = {}): Promise<PostgrestStandin> {
  const serviceRoleKey = options.serviceRoleKey ?? STANDIN_SERVICE_ROLE_KEY;
  const requests: ReceivedRequest[] = [];
  const canned: CannedAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = rawBody === '' ? undefined : JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body });
      void handle(req, res, rawBody, body).catch(() => {
        if (!res.headersSent) send(res, 500, { code: 'XX000', message: 'stand-in failure', details: null, hint: null });
        else res.destroy();
      });
    });
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, rawBody: string, body: unknown): Promise<void> => {
    // The API gateway in front of PostgREST rejects a request without the project's key.
    if (req.headers.apikey !== serviceRoleKey || req.headers.authorization !== `Bearer ${serviceRoleKey}`) {
      send(res, 401, { code: 'PGRST301', message: 'JWSError JWSInvalidSignature', details: null, hint: null });
      return;
    }
    const match = /^\/rest\/v1\/rpc\/([A-Za-z0-9_]+)$/.exec((req.url ?? '').split('?')[0]);
    if (!match) {
      send(res, 404, { code: 'PGRST125', message: 'Invalid path specified in request URL', details: null, hint: null });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { code: 'PGRST117', message: `Unsupported HTTP method: ${req.method ?? ''}`, details: null, hint: null });
      return;
    }
    const profile = req.headers['content-profile'];
    if (profile !== undefined && profile !== 'public') {
      send(res, 406, { code: 'PGRST106', message: 'The schema must be one of the following: public', details: null, hint: null });
      return;
    }
    if (rawBody !== '' && body === undefined) {
      send(res, 400, { code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
      return;
    }

    const index = canned.findIndex((a) => a.fn === undefined || a.fn === match[1]);
    const answer = index < 0 ? undefined : canned.splice(index, 1)[0];
    if (answer?.kind === 'json') return send(res, answer.status, answer.body);
    if (answer?.kind === 'text') {
      res.writeHead(answer.status, { 'content-type': 'text/html' });
      res.end(answer.body);
      return;
    }
    if (answer?.kind === 'close') {
      req.socket.destroy();
      return;
    }
    if (answer?.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, answer.delayMs);
        timers.add(timer);
      });
      if (res.destroyed || req.socket.destroyed) return;
    }
    if (!options.db) {
      send(res, 500, { code: 'XX000', message: 'no canned answer queued and no database', details: null, hint: null });
      return;
    }
    await answerFromDatabase(options.db, res, match[1], body ?? {});
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    requests,
    queue: (...answers) => {
      canned.push(...answers);
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The Supabase adapter over a stand-in answering from `sql`, as one Database: closing it stops
 * the adapter, the stand-in and `sql`. Used by startGateway with TEST_GATEWAY_BACKEND=supabase.
 */
export async function supabaseOverTestDatabase(sql: SqlDatabase, timeoutMs = 30_000): Promise<Database & { standin: PostgrestStandin }> {
  const standin = await startPostgrestStandin({ db: sql });
  const adapter = supabaseDatabase({ url: standin.url, serviceRoleKey: standin.serviceRoleKey, timeoutMs });
  return {
    kind: adapter.kind,
    standin,
    rpc: (fn, args) => adapter.rpc(fn, args),
    ping: () => adapter.ping(),
    close: async () => {
      await adapter.close();
      await standin.close();
      await sql.close();
    },
  };
}

/**
 * The fixture of the adapter's contract tests: the run's test database, a PostgREST stand-in
 * over it, and the Supabase adapter calling the stand-in (`options` over a 30 s timeout), made
 * in beforeAll and closed in afterAll.
 */
export function useSupabaseOverStandin(options: Partial<SupabaseOptions> = {}): { sql: SqlDatabase; standin: PostgrestStandin; supa: SupabaseDatabase } {
  const sql = filledLater<SqlDatabase>('the test database');
  const standin = filledLater<PostgrestStandin>('the PostgREST stand-in');
  const supa = filledLater<SupabaseDatabase>('the Supabase adapter');
  const made: { sql?: SqlDatabase; standin?: PostgrestStandin; supa?: SupabaseDatabase } = {};
  beforeAll(async () => {
    sql.fill((made.sql = await openTestDatabase()));
    standin.fill((made.standin = await startPostgrestStandin({ db: made.sql })));
    supa.fill((made.supa = supabaseDatabase({ url: made.standin.url, serviceRoleKey: made.standin.serviceRoleKey, timeoutMs: 30_000, ...options })));
  });
  afterAll(async () => {
    await made.supa?.close();
    await made.standin?.close();
    await made.sql?.close();
  });
  return { sql: sql.value, standin: standin.value, supa: supa.value };
}

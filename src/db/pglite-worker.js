// @ts-check
'use strict';
/**
 * The embedded database's own thread. PGlite runs each statement to its end on the thread that
 * calls it (it ignores statement_timeout), so it lives here: the gateway's thread keeps serving
 * /health, timers and other requests while a statement runs, and gives up waiting on a
 * statement past DB_STATEMENT_TIMEOUT_MS (src/db/pglite.ts).
 *
 * Plain JavaScript (type-checked) so that the same file runs from src/ under the tests and from
 * dist/ after the build: a worker thread does not go through the test runner's TypeScript
 * transform.
 *
 * Requests run one at a time in arrival order (PGlite has one session). A request whose
 * deadline has passed when its turn comes is answered `expired` without running.
 *
 * Planner statistics: the embedded database has no autovacuum daemon, so this thread does its
 * ANALYZE part: after activity, at most every `statisticsCheckMs`, tables changed by more than
 * autovacuum's own threshold (50 rows + 10% of the table) since their last ANALYZE are analysed,
 * between two requests and never inside a transaction.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite, protocol, parse, messages: pgMessages } = require('@electric-sql/pglite');
const { FAST_TYPES } = require('./pglite-fast-types.js');
const { btree_gin } = require('@electric-sql/pglite/contrib/btree_gin');
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm');

/** @typedef {import('./pglite-protocol').WorkerStart} WorkerStart */
/** @typedef {import('./pglite-protocol').WorkerRequest} WorkerRequest */
/** @typedef {import('./pglite-protocol').WorkerReply} WorkerReply */
/** @typedef {import('./pglite-protocol').WorkerReady} WorkerReady */
/** @typedef {import('./pglite-protocol').WorkerError} WorkerError */

const NUMERIC_OID = 1700;
const INT8_OID = 20;
/**
 * Dates and JSON cross to the gateway's thread as text and are made into objects there, so
 * they belong to the realm of the code that uses them (`instanceof Date` holds there, also in a
 * test runner's sandbox), and only primitives are cloned.
 */
const TEXT_TYPES = { date: [1082, 1114, 1184], json: [114, 3802] };
const asText = (/** @type {string} */ value) => value;

/** Tables past autovacuum's default analyze threshold (50 rows + 10% of the table). */
const STALE_TABLES_SQL = `
  select format('%I.%I', s.schemaname, s.relname) as name
  from pg_stat_user_tables s join pg_class c on c.oid = s.relid
  where s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
  order by s.relname`;

/**
 * A statement's parameter types, by its text, learnt from its first Describe. The rpc calls are
 * a few dozen texts (one per function and set of arguments given); anything run by `exec` (DDL,
 * migrations) empties the cache, since it may change a function's signature.
 */
/** @type {Map<string, number[]>} */
const paramTypes = new Map();
const PARAM_TYPES_LIMIT = 1000;

/** @param {Uint8Array[]} parts */
function concat(parts) {
  let length = 0;
  for (const part of parts) length += part.length;
  const buffer = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.length;
  }
  return buffer;
}

/** @param {PGlite} db @param {string} text @returns {Promise<number[]>} */
async function parameterTypes(db, text) {
  const known = paramTypes.get(text);
  if (known) return known;
  const { serialize } = protocol;
  const { messages } = await db.execProtocol(concat([serialize.parse({ text }), serialize.describe({ type: 'S' }), serialize.sync()]));
  const types = parse.parseDescribeStatementResults(messages);
  if (paramTypes.size >= PARAM_TYPES_LIMIT) paramTypes.clear();
  paramTypes.set(text, types);
  return types;
}

/**
 * One statement with parameters, as PGlite's `query` runs it (Parse, Bind, Describe, Execute,
 * Sync; values serialised by their parameter's type) but in one call into PostgreSQL instead of
 * six: each call into the WebAssembly backend costs about as much as a small query. The
 * parameter types come from the first Describe of the same text. The answer is the backend's
 * raw reply, copied out of its memory as it comes: PGlite's own reading of it (an object per
 * message and per value) would cost more than running the statement.
 * @param {PGlite} db @param {string} text @param {unknown[]} values @returns {Promise<Uint8Array>}
 */
function runQuery(db, text, values) {
  return db.runExclusive(async () => {
    const types = await parameterTypes(db, text);
    const params = values.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = db.serializers[types[i]];
      return serializer ? serializer(value) : String(value);
    });
    const { serialize } = protocol;
    /** @type {Uint8Array[]} */
    const chunks = [];
    await db.execProtocolRawStream(
      concat([
        serialize.parse({ text, types }),
        serialize.bind({ values: params }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { onRawData: (chunk) => void chunks.push(chunk.slice()) },
    );
    return chunks.length === 1 ? chunks[0] : concat(chunks);
  });
}

/**
 * Whether every column of the reply is of a type the gateway's thread reads itself
 * (pglite-rows.ts): then the raw reply crosses as is. Looks only at the RowDescription.
 * @param {Uint8Array} reply
 */
function readableThere(reply) {
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  for (let at = 0; at + 5 <= reply.length; at += 1 + view.getInt32(at + 1)) {
    if (reply[at] !== 0x54) continue; // 'T', RowDescription
    const count = view.getInt16(at + 5);
    let p = at + 7;
    for (let i = 0; i < count; i++) {
      p = reply.indexOf(0, p) + 1; // the column's name
      if (!(view.getInt32(p + 6) in FAST_TYPES)) return false;
      p += 18;
    }
    return true;
  }
  return true;
}

/**
 * A reply with other column types, read here by PGlite's parsers (the statements of tests and
 * admin work, not the gateway's functions): rows as arrays under one list of column names.
 * @param {PGlite} db @param {Uint8Array} reply
 */
function parseHere(db, reply) {
  /** @type {import('@electric-sql/pglite').messages.BackendMessage[]} */
  const messages = [];
  new protocol.Parser().parse(reply, (message) => void messages.push(message));
  const failed = messages.find((message) => message instanceof pgMessages.DatabaseError);
  if (failed) throw failed;
  const result = parse.parseResults(messages, db.parsers, { rowMode: 'array' })[0];
  /** @type {number[]} */
  const dates = [];
  /** @type {number[]} */
  const json = [];
  result.fields.forEach((field, i) => {
    if (TEXT_TYPES.date.includes(field.dataTypeID)) dates.push(i);
    else if (TEXT_TYPES.json.includes(field.dataTypeID)) json.push(i);
  });
  return { fields: result.fields.map((field) => field.name), rows: /** @type {unknown[][]} */ (result.rows), dates, json };
}

if (!parentPort) throw new Error('pglite-worker.js runs as a worker thread');
const port = parentPort;
/** @type {WorkerStart} */
const start = workerData;

/** @param {unknown} error @returns {WorkerError} */
function describe(error) {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { code, message: error instanceof Error ? error.message : String(error) };
}

/** @param {PGlite} db @returns {Promise<string[]>} the tables analysed */
async function refreshStatistics(db) {
  // Counters reach pg_stat_* when the session flushes them, which PGlite does only when asked.
  await db.query('select pg_stat_force_next_flush()');
  const { rows } = await db.query(STALE_TABLES_SQL);
  const names = rows.map((row) => /** @type {{ name: string }} */ (row).name);
  for (const name of names) await db.exec(`analyze ${name}`);
  return names;
}

/** @param {PGlite} db @param {WorkerRequest} request @returns {Promise<{ reply: WorkerReply; transfer?: ArrayBuffer[] }>} */
async function run(db, request) {
  const { id } = request;
  switch (request.op) {
    case 'query': {
      if (request.deadline && Date.now() > request.deadline) return { reply: { id, ok: false, expired: true } };
      const reply = await runQuery(db, request.text, request.values);
      if (readableThere(reply)) {
        const raw = /** @type {ArrayBuffer} */ (reply.byteOffset === 0 && reply.byteLength === reply.buffer.byteLength ? reply.buffer : reply.slice().buffer);
        return { reply: { id, ok: true, raw }, transfer: [raw] };
      }
      return { reply: { id, ok: true, ...parseHere(db, reply) } };
    }
    case 'exec':
      paramTypes.clear();
      await db.exec(request.sql);
      return { reply: { id, ok: true } };
    case 'dump': {
      const dump = await (await db.dumpDataDir('none')).arrayBuffer();
      return { reply: { id, ok: true, dump }, transfer: [dump] };
    }
    case 'statistics':
      return { reply: { id, ok: true, analyzed: await refreshStatistics(db) } };
    case 'close':
      await db.close();
      return { reply: { id, ok: true } };
    default: {
      /** @type {never} */
      const never = request;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

async function main() {
  /** @type {PGlite} */
  let db;
  try {
    db = await PGlite.create({
      dataDir: start.dataDir,
      loadDataDir: start.loadDataDir ? new Blob([start.loadDataDir]) : undefined,
      extensions: { pg_trgm, btree_gin },
      parsers: {
        // numeric as its exact decimal text, never a binary float (as in the pg adapter)
        [NUMERIC_OID]: asText,
        [INT8_OID]: Number,
        ...Object.fromEntries([...TEXT_TYPES.date, ...TEXT_TYPES.json].map((oid) => [oid, asText])),
      },
    });
    // Plans for a backend whose pages are all in memory: a random page read costs about what a
    // sequential one does (PostgreSQL's default of 4 is for disks). A tenant's count, for one,
    // then walks its index instead of every row of the table.
    await db.exec('set random_page_cost = 1.1');
  } catch (error) {
    /** @type {WorkerReady} */
    const failed = { ready: false, error: describe(error) };
    port.postMessage(failed);
    return;
  }

  /** @type {WorkerRequest[]} */
  const queue = [];
  let running = false;
  let closed = false;
  /** Statements run since the last statistics check, and when that check was. */
  let activity = 0;
  let lastCheck = Date.now();
  /** @type {NodeJS.Timeout | undefined} */
  let checkTimer;

  const checkDue = () => activity > 0 && !closed && !db.isInTransaction() && Date.now() - lastCheck >= start.statisticsCheckMs;

  const checkStatistics = async () => {
    activity = 0;
    lastCheck = Date.now();
    try {
      await refreshStatistics(db);
    } catch {
      // Statistics are an optimisation: a failed ANALYZE leaves the old ones, and is retried
      // after the next activity.
    }
  };

  const drain = async () => {
    running = true;
    for (let request = queue.shift(); request; request = queue.shift()) {
      /** @type {{ reply: WorkerReply; transfer?: ArrayBuffer[] }} */
      let outcome;
      try {
        outcome = await run(db, request);
      } catch (error) {
        outcome = { reply: { id: request.id, ok: false, error: describe(error) } };
      }
      if (request.op === 'close') closed = true;
      if (request.op === 'query' || request.op === 'exec') activity++;
      port.postMessage(outcome.reply, outcome.transfer ?? []);
      if (checkDue()) await checkStatistics();
    }
    running = false;
    // After a burst, the check runs once things are quiet, not only when the next request comes.
    if (activity > 0 && !closed && !checkTimer) {
      checkTimer = setTimeout(() => {
        checkTimer = undefined;
        if (running || !checkDue()) return;
        // holds the queue like a request, so nothing interleaves with the ANALYZE
        running = true;
        void checkStatistics().then(() => drain());
      }, Math.max(0, start.statisticsCheckMs - (Date.now() - lastCheck)));
      checkTimer.unref();
    }
  };

  port.on('message', (/** @type {WorkerRequest} */ request) => {
    queue.push(request);
    if (!running) void drain();
  });
  /** @type {WorkerReady} */
  const ready = { ready: true };
  port.postMessage(ready);
}

void main();

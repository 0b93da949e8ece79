// @ts-check
'use strict';
/**
 * Column types whose text form the gateway's thread reads itself from the embedded database's
 * raw reply (src/db/pglite-rows.ts), and how. The worker (pglite-worker.js) checks a
 * statement's columns against this list: a reply with any other type is parsed on the worker by
 * PGlite's own parsers instead. Plain JavaScript so that both threads load the same list.
 *
 * @type {Readonly<Record<number, 'text' | 'number' | 'bool' | 'date' | 'json'>>}
 */
const FAST_TYPES = Object.freeze({
  16: 'bool',
  18: 'text', // "char"
  19: 'text', // name
  20: 'number', // int8: a number, as in the pg adapter (counts and sequence numbers fit)
  21: 'number',
  23: 'number',
  25: 'text',
  26: 'number', // oid
  114: 'json',
  700: 'number',
  701: 'number',
  1042: 'text',
  1043: 'text',
  1082: 'date',
  1114: 'date',
  1184: 'date',
  1700: 'text', // numeric: its exact decimal text, never a binary float
  2950: 'text', // uuid
  3802: 'json',
});

module.exports = { FAST_TYPES };

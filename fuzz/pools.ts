import type { Random } from './random';
import type { Value } from './values';
import { Deep } from './values';

/**
 * Hostile value pools. None of them holds the words the oracle looks for (JavaScript or SQL
 * error text), so an answer that has them did not just echo the request.
 */
export const LONG = {
  over200: 'x'.repeat(201),
  over300: 'é'.repeat(301),
  fiveThousand: 'long '.repeat(1000),
  sixtyThousand: 'y'.repeat(60_000),
} as const;

export const UNICODE = [
  'Émile Zola', 'Aminata Diop', '李小龙', 'Ньютон', 'محمد', 'שלום', '😀', '👩🏽‍💻👨‍👩‍👧‍👦', 'e\u0301', 'Å', 'ﬃ', 'İstanbul', 'straße',
  '\u202eevil\u202c', '\u200b', '\u2028\u2029', '\ufeffbom', '\uffff', '\ufffd', '\u{10FFFF}', '０１２３', '٣٤٥', '🏳️‍🌈'.repeat(40),
] as const;

export const CONTROL = ['\u0000', 'a\u0000b', '\u0001\u0002\u001f', '\u007f', '\b\f\v', '\r\n', '\t', '\u0085', '\u001b[31mred'] as const;

export const ILL_FORMED = ['\ud800', '\udfff', '\udc00\ud800', 'a\ud83d', 'x\udc00y@example.com'] as const;

export const INJECTION = [
  "'", '"', '\\', "' OR '1'='1", "'; DROP TABLE customers; --", '%', '_', '%_%', '\\%', '$1', '$$', '::text', "E'\\x00'",
  '<script>alert(1)</script>', '{{7*7}}', '${7*7}', '%s%n%x', '../../etc/passwd', '..%2f..%2f', 'null', 'undefined', 'NaN',
  'true', '0', '-1', '1e309', '__proto__', 'constructor', 'prototype', '{"a":1}', '[]', '*', '?', '#', '&', '=',
] as const;

export const EMAILS = [
  'aminata.diop@example.com', 'Aminata.Diop@Example.com', 'a@b.co', 'a@b', '@', 'a@', '@b.co', 'a b@c.co', 'a@b..co',
  `x@${'y'.repeat(250)}.com`, `${'z'.repeat(70)}@example.com`, '"quoted"@example.com', 'a@[127.0.0.1]', 'ü@exämple.com',
  'x+tag@example.com', 'not-an-email',
] as const;

export const PHONES = ['+221771234567', '+12025550123', '+0', '+', '+1234567890123456', '221771234567', '+221 77 123 45 67', '+2217712345x', '٣٤٥٦٧٨٩٠'] as const;

export const NUMBERS = [
  0, 1, -1, 2, 5, 20, 50, 100, 101, 200, 201, 100_000, 100_001, 2_147_483_647, 2_147_483_648, -2_147_483_649,
  9_007_199_254_740_993, 1e21, 1e308, -0, 0.5, 1.5, -1.5, 3.4e38, Number.NaN,
] as const;

export interface IdPools {
  /** Customers of the fuzzing tenant. */
  readonly own: readonly string[];
  /** Ids of other tenants' rows (other organization, or the same one's other environment). */
  readonly foreign: readonly string[];
}

/** Ids: the tenant's own, other tenants', and malformed ones. */
export function id(rng: Random, ids: IdPools): string {
  return rng.weighted<() => string>([
    [5, () => (ids.own.length ? rng.pick(ids.own) : '00000000-0000-4000-8000-000000000000')],
    [2, () => (ids.foreign.length ? rng.pick(ids.foreign) : '00000000-0000-4000-8000-000000000001')],
    [1, () => randomUuid(rng)],
    [1, () => rng.pick(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'not-a-uuid', '', ' ', '1', '-1'])],
    [1, () => mangle(rng, ids.own.length ? rng.pick(ids.own) : randomUuid(rng))],
  ])();
}

function randomUuid(rng: Random): string {
  const hex = () => rng.int(0, 15).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-${rng.pick(['8', '9', 'a', 'b'])}${part(3)}-${part(12)}`;
}

/** A value made slightly wrong: case, spaces, a character added, cut or replaced. */
export function mangle(rng: Random, text: string): string {
  return rng.weighted<() => string>([
    [1, () => text.toUpperCase()],
    [1, () => ` ${text} `],
    [1, () => text + rng.pick(['x', '0', '\u0000', '\ud800', '%', "'", 'é'])],
    [1, () => text.slice(0, rng.int(0, text.length))],
    [1, () => text.replace(/-/g, '')],
    [1, () => `{${text}}`],
  ])();
}

/** Any string from the hostile pools. */
export function hostileString(rng: Random): string {
  return rng.weighted<() => string>([
    [3, () => rng.pick(UNICODE)],
    [2, () => rng.pick(CONTROL)],
    [2, () => rng.pick(ILL_FORMED)],
    [3, () => rng.pick(INJECTION)],
    [1, () => rng.pick([LONG.over200, LONG.over300, LONG.fiveThousand])],
    [0.2, () => LONG.sixtyThousand],
    [1, () => rng.pick(['', ' ', '   ', '\t\n'])],
    [1, () => rng.pick(EMAILS)],
  ])();
}

/** A plausible name, sometimes with hostile text. */
export function name(rng: Random): string {
  return rng.chance(0.6) ? `${rng.pick(UNICODE)} ${rng.int(1, 9999)}` : hostileString(rng);
}

/** A JSON value of any type, for wrong-type and metadata fields. */
export function hostileValue(rng: Random, depth = 0): Value {
  return rng.weighted<() => Value>([
    [3, () => hostileString(rng)],
    [2, () => rng.pick(NUMBERS)],
    [1, () => rng.chance(0.5)],
    [1, () => null],
    [depth < 3 ? 1 : 0, () => Array.from({ length: rng.int(0, 4) }, () => hostileValue(rng, depth + 1))],
    [depth < 3 ? 1.5 : 0, () => jsonObject(rng, depth + 1)],
    [0.4, () => deep(rng)],
  ])();
}

/** JSON nested from just past the metadata limit to far past any parser's stack. */
export function deep(rng: Random): Deep {
  return new Deep(rng.pick([6, 50, 1_000, 5_000, 20_000]), rng.chance(0.7) ? 'array' : 'object');
}

const KEYS = ['tier', 'note', 'source', 'a', 'k'.repeat(40), 'k'.repeat(41), '', ' ', '$where', '__proto__', 'constructor', 'é', '😀', '\u0000', '\ud800', 'a.b', 'x-y'];

/** A JSON object: sometimes acceptable metadata, sometimes too many keys, too long, too deep. */
export function jsonObject(rng: Random, depth = 0): { [key: string]: Value } {
  const size = rng.weighted([[8, rng.int(0, 5)], [1, 51], [0.5, 200]] as const);
  const object: { [key: string]: Value } = {};
  for (let i = 0; i < size; i += 1) {
    const key = rng.chance(0.8) ? `${rng.pick(KEYS)}${i}` : rng.pick(KEYS);
    object[key] = rng.chance(0.7) ? rng.weighted<() => Value>([[3, () => rng.pick(['gold', 'web', 'é', 'x'])], [2, () => rng.int(-5, 5)], [1, () => true]])() : hostileValue(rng, depth + 1);
  }
  if (rng.chance(0.1)) object.big = 'm'.repeat(rng.pick([5_000, 9_000]));
  return object;
}

/** An integer from the hostile pool, or a plausible one. */
export function integer(rng: Random): number {
  return rng.chance(0.5) ? rng.int(1, 60) : rng.pick(NUMBERS);
}

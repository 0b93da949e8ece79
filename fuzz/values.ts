/**
 * Values the fuzzer sends, and how they are written as JSON and as GraphQL literals. Values
 * nested thousands of levels deep are kept as a description (`Deep`) and written as text:
 * JSON.stringify recurses and would overflow the fuzzer's own stack.
 */
export class Deep {
  constructor(
    readonly depth: number,
    readonly shape: 'array' | 'object',
  ) {}
}

/** A GraphQL enum value: a bare name in a literal, a string in JSON. */
export class EnumName {
  constructor(readonly name: string) {}
}

export type Value = null | boolean | number | string | Deep | EnumName | Value[] | { [key: string]: Value };

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

function deepJson(deep: Deep): string {
  if (deep.shape === 'array') return '['.repeat(deep.depth) + ']'.repeat(deep.depth);
  return '{"a":'.repeat(deep.depth - 1) + '{}' + '}'.repeat(deep.depth - 1);
}

function deepLiteral(deep: Deep): string {
  if (deep.shape === 'array') return '['.repeat(deep.depth) + ']'.repeat(deep.depth);
  return '{a:'.repeat(deep.depth - 1) + '{}' + '}'.repeat(deep.depth - 1);
}

/** The value as JSON text. */
export function toJson(value: Value | undefined): string {
  if (value === undefined) return 'null';
  if (value instanceof Deep) return deepJson(value);
  if (value instanceof EnumName) return JSON.stringify(value.name);
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  }
  // NaN and the infinities have no JSON form; JSON.stringify writes null, as a client would
  return JSON.stringify(value);
}

/** The value as a GraphQL literal (object keys that are not GraphQL names are renamed). */
export function toLiteral(value: Value): string {
  if (value instanceof Deep) return deepLiteral(value);
  if (value instanceof EnumName) return value.name;
  if (Array.isArray(value)) return `[${value.map(toLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).map(([key, item], i) => `${GRAPHQL_NAME.test(key) ? key : `k${i}`}: ${toLiteral(item)}`);
    return `{${fields.join(', ')}}`;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  // JSON's string escapes are GraphQL's (a lone surrogate's \ud800 is refused by the parser)
  return JSON.stringify(value);
}

/**
 * JSON for REST bodies that carry exact decimals as JSON numbers. The original API sends
 * amounts as numbers (`"gross_amount": 10000.00`); going through a JavaScript number would
 * change the digits (10000.00 is written 10000, 0.10 is written 0.1, and a number has only
 * about 15 significant digits), so such a value is kept as its stored decimal text and written
 * into the JSON as a number token, character for character. Everything else is written exactly as JSON.stringify writes it.
 */

/** A plain decimal: optional minus, digits, optional fraction. Valid JSON number syntax as it is. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A number to be written with exactly these digits. */
export class DecimalNumber {
  readonly text: string;

  constructor(text: string) {
    // Only what is a JSON number token as it stands ever reaches the output unquoted.
    if (!DECIMAL.test(text)) throw new Error(`not a decimal number: ${JSON.stringify(text.slice(0, 40))}`);
    this.text = text;
  }
}

function hasToJson(value: object): value is { toJSON(key: string): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * JSON.stringify's output (no replacer, no indentation), except that a DecimalNumber is written
 * as its text. Undefined and functions are left out of objects and are null in arrays, as there.
 */
function write(value: unknown, key: string): string | undefined {
  if (value instanceof DecimalNumber) return value.text;
  if (typeof value === 'object' && value !== null && hasToJson(value)) return write(value.toJSON(key), key);
  if (Array.isArray(value)) return `[${value.map((item, i) => write(item, String(i)) ?? 'null').join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members: string[] = [];
    for (const [name, member] of Object.entries(value)) {
      const text = write(member, name);
      if (text !== undefined) members.push(`${JSON.stringify(name)}:${text}`);
    }
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A response body as JSON text, with its DecimalNumbers as number tokens of their own digits. */
export function jsonText(body: unknown): string {
  return write(body, '') ?? 'null';
}

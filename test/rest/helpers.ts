import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestGateway } from '../helpers/gateway';
import { SEED_OPTIONAL_FIELDS } from './seed';

const execFileAsync = promisify(execFile);

export interface RestResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One HTTP call to the gateway with fetch; `raw` sends a body as is (malformed JSON and such). */
export async function rest(
  gw: TestGateway,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<RestResponse> {
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(options.key ? { 'x-api-key': options.key } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Whether `actual` has the documented example's shape: the same keys at every level and the
 * same JSON types; the seed's optional customer fields may be null. Returns the differences.
 */
export function shapeDifferences(actual: unknown, documented: unknown, path = '$'): string[] {
  const a = typeOf(actual);
  const d = typeOf(documented);
  const key = path.split('.').pop() ?? '';
  if (a === 'null' && d !== 'null' && SEED_OPTIONAL_FIELDS.includes(key)) return [];
  if (a !== d) return [`${path}: ${a} where the seed has ${d}`];
  if (d === 'array') {
    const sample = (documented as unknown[])[0];
    return sample === undefined ? [] : (actual as unknown[]).flatMap((item, i) => shapeDifferences(item, sample, `${path}[${i}]`));
  }
  if (d === 'object' && key !== 'metadata') {
    const actualKeys = Object.keys(actual as object).sort();
    const documentedKeys = Object.keys(documented as object).sort();
    if (actualKeys.join() !== documentedKeys.join()) return [`${path}: keys ${actualKeys.join(',')} where the seed has ${documentedKeys.join(',')}`];
    return documentedKeys.flatMap((k) =>
      shapeDifferences((actual as Record<string, unknown>)[k], (documented as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return [];
}

/** The seed's cURL section as separate commands (each after its `# title` comment). */
export function curlCommands(section: string): { title: string; command: string }[] {
  return section
    .split(/\n(?=# )/)
    .map((block) => {
      const [title, ...rest] = block.split('\n');
      return { title: title.replace(/^#\s*/, ''), command: rest.join('\n') };
    });
}

/** Splits a POSIX shell command line into words: quotes, backslash-newline continuations. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < command.length) {
    const c = command[i];
    if (c === '\\' && command[i + 1] === '\n') {
      i += 2;
    } else if (c === ' ' || c === '\n' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (command[j] !== '"') {
        if (command[j] === '\\' && '"\\$`'.includes(command[j + 1])) j += 1;
        text += command[j];
        j += 1;
      }
      word = (word ?? '') + text;
      i = j + 1;
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * Runs a seed cURL command with the real curl binary: its own flags, with only the base URL,
 * key and customer id replaced. `-sS -w` are appended so the test can read the status code.
 */
export async function runCurl(
  command: string,
  replace: { baseUrl: string; key: string; customerId?: string },
  seed: { baseUrl: string; key: string; customerId: string },
): Promise<{ status: number; body: unknown }> {
  let text = command.split(seed.baseUrl).join(replace.baseUrl).split(seed.key).join(replace.key);
  if (replace.customerId) text = text.split(seed.customerId).join(replace.customerId);
  const [program, ...args] = shellWords(text);
  if (program !== 'curl') throw new Error(`not a curl command: ${program}`);
  const { stdout } = await execFileAsync('curl', [...args, '-sS', '-w', '\n%{http_code}'], { timeout: 20_000 });
  const cut = stdout.lastIndexOf('\n');
  const body = stdout.slice(0, cut);
  return { status: Number(stdout.slice(cut + 1)), body: body ? (JSON.parse(body) as unknown) : undefined };
}

export function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`expected an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

export function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value;
}

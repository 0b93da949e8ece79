import zlib from 'node:zlib';
import type { FuzzCase } from './cases';
import type { Exchange, FuzzRequest } from './transport';

/** What an answer must never have, whatever was sent. */
export interface Finding {
  seed: number;
  index: number;
  family: string;
  problem: string;
  detail: string;
  status?: number;
}

/**
 * Text a JavaScript or database error would put in a message. None of it is in the fuzzer's
 * pools, and a match that only echoes the request (a field name the client made up, quoted back
 * by a validation error) is not counted.
 */
const LEAKS: readonly (readonly [RegExp, string])[] = [
  [/Maximum call stack/i, 'stack overflow text'],
  [/\b(?:TypeError|RangeError|ReferenceError|SyntaxError|URIError|EvalError|AggregateError)\b/, 'JavaScript error name'],
  [/Cannot read propert|Cannot set propert|is not a function|is not iterable|is not defined(?! by)|undefined is not|in JSON at position|Unexpected end of JSON|Unexpected token/i, 'JavaScript error text'],
  [/\bat (?:async )?(?:[\w$.<>]+ )?\(?(?:file:\/\/|node:|\/)[^()\s]*:\d+:\d+\)?/, 'stack frame'],
  [/node_modules|node:internal|\/src\/[\w/.-]+\.[jt]s|\/dist\/[\w/.-]+\.js/, 'source path'],
  [
    /syntax error at or near|\brelation\b|column "[^"]+"|violates [\w ]*constraint|duplicate key value|invalid input syntax for|invalid byte sequence|unsupported Unicode escape|null value in column|SQLSTATE|\bpg_[a-z_]+|plpgsql|\bPGlite\b|ECONNREFUSED|PostgrestError|PGRST\d/i,
    'SQL or database error text',
  ],
];

/** A masked internal error, in the GraphQL or the REST shape (the OpenAPI document only mentions one). */
const INTERNAL = /INTERNAL_SERVER_ERROR|"message":\s*"Internal server error"/;

/** The body as the server read it: inflated per its Content-Encoding, decoded per its charset. */
function bodyTexts(request: Extract<FuzzRequest, { kind: 'http' }>): string[] {
  const body = request.body ?? Buffer.alloc(0);
  const header = (name: string) => request.headers.find(([n]) => n.toLowerCase() === name)?.[1]?.toLowerCase() ?? '';
  const inflated: Buffer[] = [body];
  for (const inflate of [zlib.gunzipSync, zlib.inflateSync, zlib.brotliDecompressSync]) {
    if (!header('content-encoding')) break;
    try {
      inflated.push(inflate(body));
    } catch {
      // not this encoding, or corrupt
    }
  }
  return inflated.flatMap((bytes) => [bytes.toString('utf8'), ...(header('content-type').includes('utf-16') ? [bytes.toString('utf16le')] : [])]);
}

/** Everything the request said, in the forms an answer could quote it back. */
function requestTexts(request: FuzzRequest): string[] {
  const texts =
    request.kind === 'raw'
      ? [request.bytes.toString('utf8'), request.bytes.toString('latin1')]
      : [`${request.method} ${request.path}\n${request.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}`, ...bodyTexts(request)];
  const forms = [...texts];
  for (const text of texts) {
    try {
      forms.push(decodeURIComponent(text.replace(/\+/g, ' ')));
    } catch {
      // not percent-encoded text: the plain form is enough
    }
  }
  return forms.map((form) => form.toLowerCase());
}

export interface OracleContext {
  /** Ids and marker text of other tenants (another organization, another environment). */
  readonly forbidden: readonly string[];
}

/** Every problem with one exchange; empty when the gateway answered as it must. */
export function judge(testCase: FuzzCase, result: Exchange, context: OracleContext): Finding[] {
  const findings: Finding[] = [];
  const found = (problem: string, detail: string, status?: number) =>
    findings.push({ seed: testCase.seed, index: testCase.index, family: testCase.family, problem, detail, status });
  if (result.responses.length === 0) {
    found('no answer', result.failure ?? 'the connection closed without a response');
    return findings;
  }
  if (result.failure?.startsWith('no answer')) found('slow answer', result.failure);
  let sent: string[] | undefined;
  const echoed = (text: string) => (sent ??= requestTexts(testCase.request)).some((form) => form.includes(text.toLowerCase()));
  for (const response of result.responses) {
    const { status } = response;
    if (status >= 500 && status !== 503) found('5xx', `HTTP ${status}`, status);
    const body = response.body.toString('utf8');
    if (INTERNAL.test(body)) found('internal error', excerpt(body, INTERNAL), status);
    // The Sandbox landing page is a static page of the gateway's own, script included.
    if ((response.headers['content-type'] ?? '').startsWith('text/html')) continue;
    for (const [pattern, what] of LEAKS) {
      const match = pattern.exec(body);
      if (match && !echoed(match[0])) found('leak', `${what}: ${excerpt(body, pattern)}`, status);
    }
    const lower = body.toLowerCase();
    for (const token of context.forbidden) {
      if (lower.includes(token.toLowerCase()) && !echoed(token)) found('other tenant', `answer holds ${token}`, status);
    }
  }
  return findings;
}

function excerpt(text: string, pattern: RegExp): string {
  const at = Math.max(0, text.search(pattern));
  return text.slice(Math.max(0, at - 80), at + 160).replace(/\s+/g, ' ');
}

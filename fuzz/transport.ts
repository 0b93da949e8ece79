import net from 'node:net';

/**
 * A request exactly as sent: either an HTTP request the transport writes itself (any method,
 * header or body, nothing normalised the way an HTTP client library would), or raw bytes.
 */
export type FuzzRequest =
  | { kind: 'http'; method: string; path: string; headers: [string, string][]; body?: Buffer }
  | { kind: 'raw'; bytes: Buffer };

export interface FuzzResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Exchange {
  /** Every response read, in order (a pipelined request may get more than one). */
  responses: FuzzResponse[];
  /** Why reading stopped early: a timeout or a socket error. */
  failure?: string;
  elapsedMs: number;
}

/** The bytes of an HTTP/1.1 request: the given headers, plus Host, Content-Length and Connection: close. */
export function encode(request: FuzzRequest, host: string): Buffer {
  if (request.kind === 'raw') return request.bytes;
  const names = new Set(request.headers.map(([name]) => name.toLowerCase()));
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  if (!names.has('host')) lines.push(`Host: ${host}`);
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (request.body && !names.has('content-length') && !names.has('transfer-encoding')) lines.push(`Content-Length: ${request.body.length}`);
  if (!names.has('connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body ?? Buffer.alloc(0)]);
}

/** Chunked transfer coding: the body's length, or undefined while incomplete. */
function dechunk(data: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    at = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf('\r\n', at, 'latin1');
      return trailerEnd < 0 ? undefined : { body: Buffer.concat(parts), end: trailerEnd + 2 };
    }
    if (data.length < at + size + 2) return undefined;
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

/** The responses in what was read; an incomplete last one is kept as far as it goes. */
export function parseResponses(data: Buffer, headRequest: boolean): FuzzResponse[] {
  const responses: FuzzResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = data.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
    if (!Number.isFinite(status)) break;
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    if (headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      if (status >= 200) responses.push({ status, headers, body: Buffer.alloc(0) });
      at = bodyStart;
      continue;
    }
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunked = dechunk(data, bodyStart);
      if (!chunked) {
        responses.push({ status, headers, body: data.subarray(bodyStart) });
        break;
      }
      responses.push({ status, headers, body: chunked.body });
      at = chunked.end;
      continue;
    }
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    const end = length === undefined ? data.length : Math.min(data.length, bodyStart + length);
    responses.push({ status, headers, body: data.subarray(bodyStart, end) });
    at = end;
  }
  return responses;
}

/**
 * Sends one request on a new connection and reads until the server closes it (every request
 * asks for Connection: close) or `timeoutMs` passes.
 */
export function exchange(port: number, request: FuzzRequest, timeoutMs: number): Promise<Exchange> {
  const started = process.hrtime.bigint();
  const host = `127.0.0.1:${port}`;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let failure: string | undefined;
    const socket = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      failure = `no answer within ${timeoutMs} ms`;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= `socket error ${error.code ?? error.message}`;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      const head = request.kind === 'http' && request.method.toUpperCase() === 'HEAD';
      resolve({ responses: parseResponses(data, head), failure, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    // No half-close after the request: a server may take the client's FIN as an abort.
    socket.write(encode(request, host));
  });
}

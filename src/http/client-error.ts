import type http from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, HTTP_STATUS } from '../errors';
import type { Logger } from '../logger';

/** Node's limit on a request's head (request line and headers), which is also the URL's limit. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** How long a refused connection may keep sending before it is closed anyway. */
const LINGER_MS = 2_000;

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** What a request Node's HTTP parser refused gets, by the parser's error code. */
function refusalFor(code: string | undefined): Refusal {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: HTTP_STATUS.HEADERS_TOO_LARGE, code: ErrorCode.HEADERS_TOO_LARGE, message: `The request headers or URL are larger than the limit of ${MAX_HEADER_BYTES} bytes` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: HTTP_STATUS.REQUEST_TIMEOUT, code: ErrorCode.REQUEST_TIMEOUT, message: 'The request was not received in time' };
    default:
      return { status: 400, code: 'BAD_REQUEST', message: 'The request is not valid HTTP/1.1' };
  }
}

/** The answer as raw HTTP: a body both faces' clients can read (REST's shape and GraphQL's errors). */
function response({ status, code, message }: Refusal): string {
  const body = JSON.stringify({ statusCode: status, message, errors: [{ message, extensions: { code } }] });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Whether a response of the connection's current request has already begun (Node's own check). */
function answering(socket: Duplex): boolean {
  const message = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return message?.headersSent === true;
}

/**
 * Answers every request Node's HTTP parser refuses (headers or URL over the limit, a request
 * line that is not HTTP, a head that never finishes) with a JSON body, then closes gracefully:
 * the answer is followed by FIN and whatever the client is still sending is read and dropped
 * until it closes (or LINGER_MS pass). Node's own handling destroys the socket at once, and
 * closing with unread data makes the kernel reset the connection, which can discard the answer
 * before the client reads it.
 *
 * A CONNECT request (this is no proxy) gets a 405 the same way; Node would drop it unanswered.
 */
export function answerMalformedRequests(server: http.Server, logger: Logger): void {
  const answered = new WeakSet<Duplex>();
  const refuse = (socket: Duplex, refusal: Refusal, errorCode: string | undefined) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    logger.info({ code: errorCode, status: refusal.status }, 'malformed HTTP request refused');
    socket.end(response(refusal));
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports each later chunk of a refused request again: it is answered already.
    if (answered.has(socket)) return;
    if (error.code === 'ECONNRESET' || !socket.writable || answering(socket)) {
      socket.destroy();
      return;
    }
    refuse(socket, refusalFor(error.code), error.code);
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    refuse(socket, { status: 405, code: 'BAD_REQUEST', message: 'CONNECT is not allowed: this server is not a proxy' }, 'CONNECT');
  });
}

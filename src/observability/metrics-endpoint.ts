import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import type { GatewayMetrics } from './metrics';

export const METRICS_PATH = '/metrics';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Whether the request presents `Authorization: Bearer <token>`. Both sides are hashed first, so
 * the comparison takes the same time whatever the presented value's length or content.
 */
export function presentsToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const presented = match?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented !== '';
}

function json(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * Answers a scrape of /metrics: the Prometheus text format, or 401 when a token is required and
 * not presented. Works on node's own request and response, so it serves the main app (express)
 * and the separate metrics port alike.
 */
export function serveMetrics(metrics: GatewayMetrics, token: string | undefined, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (token !== undefined && !presentsToken(req, token)) {
      json(res, 401, 'UNAUTHENTICATED', 'The metrics need `Authorization: Bearer <METRICS_TOKEN>`', { 'www-authenticate': 'Bearer realm="metrics"' });
      return;
    }
    metrics.text().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'metrics could not be collected');
        json(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      },
    );
  };
}

/** The separate metrics port (METRICS_PORT): GET /metrics and nothing else. */
export interface MetricsServer {
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function metricsServer(metrics: GatewayMetrics, token: string | undefined, logger: Logger): MetricsServer {
  const handle = serveMetrics(metrics, token, logger);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) return json(res, 404, 'NOT_FOUND', `No such route: the metrics are served at ${METRICS_PATH}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, 'METHOD_NOT_ALLOWED', 'Only GET and HEAD', { allow: 'GET, HEAD' });
    handle(req, res);
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  return {
    listen: (port, host) =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

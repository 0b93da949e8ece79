/**
 * What the baseline and direct-SQL servers share: a pg Pool from DATABASE_URL and
 * BASELINE_POOL_SIZE, and a node:http server that answers POST <route> with the route's result
 * as JSON (GET /health: ok), prints `listening <port>` when ready, and stops on SIGTERM/SIGINT.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

export type Routes = Record<string, (body: never) => Promise<unknown>>;

export function benchPool(applicationName: string): { pool: pg.Pool; rows: (text: string, values: unknown[]) => Promise<unknown[]> } {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.BASELINE_POOL_SIZE ?? 10),
    application_name: applicationName,
  });
  pool.on('error', () => undefined);
  return { pool, rows: async (text, values) => (await pool.query(text, values)).rows };
}

export function serveJsonRoutes(routes: Routes, pool: pg.Pool): void {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const route = req.url ? routes[req.url] : undefined;
    if (req.method !== 'POST' || !route) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve()
        .then(() => route(JSON.parse(Buffer.concat(chunks).toString('utf8')) as never))
        .then(
          (result) => {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
          },
          (error: unknown) => {
            res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
          },
        );
    });
  });
  server.keepAliveTimeout = 5_000;

  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });

  const stop = (): void => {
    server.close();
    void pool.end().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

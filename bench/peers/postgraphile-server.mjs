/**
 * The benchmark's peer: PostGraphile v5 (Grafast) with postgraphile-plugin-connection-filter, a
 * generic GraphQL schema over the same tables the gateway reads. PgIndexBehaviorsPlugin is
 * disabled so that every column can be ordered and filtered and the backward relation from
 * customers to their transactions is exposed (its foreign key columns are covered only by a
 * partial index, which the plugin would otherwise take as "do not expose").
 *
 * Runs on the Node 22 binary of this package (`bench/peers/node_modules/.bin/node`), started by
 * bench/run.ts with DATABASE_URL, PORT and POOL_SIZE. GET /health answers 200 once the schema
 * is built; POST /graphql is PostGraphile's.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
  application_name: 'bench-postgraphile',
});
// The bench ends the servers' connections after every run (bench/run.ts, for exact round-trip
// counts); a connection ended while checked out must not take the process down with it.
pool.on('error', () => undefined);
pool.on('connect', (client) => client.on('error', () => undefined));

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  // The tables only: the SQL functions are the gateway's own API, not the peer's.
  disablePlugins: ['PgIndexBehaviorsPlugin', 'PgProceduresPlugin'],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  schema: { connectionFilterRelations: true },
  grafserv: { graphiql: false, watch: false, maxRequestLength: 1_000_000 },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// Built before listening, so /health means "ready".
await pgl.getSchemaResult();
const handler = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

function stop() {
  server.close();
  Promise.resolve(pgl.release())
    .catch(() => undefined)
    .finally(() => pool.end().finally(() => process.exit(0)));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

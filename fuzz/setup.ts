import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { projectRoot } from '../src/paths';
import type { CaseContext, Family } from './cases';
import type { LoggedError } from './fuzz';
import { GraphQLGenerator } from './graphql';
import { RestGenerator } from './rest';
import type { FuzzTenants } from './tenants';
import { exchange } from './transport';

/** The settings a fuzzed gateway runs with: limits high enough that no request is refused for volume. */
export const FUZZ_GATEWAY_ENV = {
  RATE_LIMIT_MAX: '100000000',
  AUTH_FAILURE_LIMIT: '1000000',
} as const;

/**
 * What cases are generated from: the emitted schema (schema/schema.graphql, checked against the
 * code by the schema test) and the OpenAPI document the running gateway serves for its REST routes.
 */
export async function caseContext(port: number, tenants: FuzzTenants, skip: readonly Family[] = []): Promise<CaseContext> {
  const schema = buildSchema(readFileSync(path.join(projectRoot(), 'schema', 'schema.graphql'), 'utf8'));
  const answer = await exchange(port, { kind: 'http', method: 'GET', path: '/openapi.json', headers: [] }, 10_000);
  const document = answer.responses[0];
  if (document?.status !== 200) throw new Error(`GET /openapi.json answered ${document?.status ?? answer.failure}`);
  return {
    graphql: new GraphQLGenerator(schema, tenants.ids),
    rest: new RestGenerator(JSON.parse(document.body.toString('utf8')) as unknown, tenants.ids),
    key: tenants.key,
    ids: tenants.ids,
    skip: new Set(skip),
  };
}

/** Collects a gateway's JSON log lines at error level or above (pino: 50 error, 60 fatal). */
export class ErrorLog {
  private lines: LoggedError[] = [];

  /** A pino destination. */
  readonly destination = {
    write: (line: string): void => {
      this.add(line);
    },
  };

  add(line: string): void {
    let entry: { level?: number } & LoggedError;
    try {
      entry = JSON.parse(line) as { level?: number } & LoggedError;
    } catch {
      return;
    }
    if ((entry.level ?? 0) >= 50) this.lines.push({ requestId: entry.requestId, msg: entry.msg, err: entry.err });
  }

  drain(): LoggedError[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}

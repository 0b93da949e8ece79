import { ConfigError, loadConfig } from '../config';
import { DatabaseError } from '../db/errors';
import { DataDirLockedError } from '../db/lock';
import { migrate } from '../db/migrate';
import { openSqlDatabase } from '../db/open';
import type { SqlDatabase } from '../db/sql-database';
import { parseArgs } from './args';
import { prepareCommand } from './commands';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { CliError, UsageError } from './errors';
import { helpFor, usage } from './usage';

/** The version in package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Writes and waits for the write, so nothing is lost when the process exits right after. */
function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

/**
 * One readable line for stderr: known errors by their message, others without a stack. The
 * operator running the CLI owns the database, so for connection failures (unreachable, no
 * such database, bad credentials) the driver's own words are the useful part.
 */
function describe(error: unknown): string {
  if (error instanceof CliError || error instanceof ConfigError || error instanceof DataDirLockedError) return error.message;
  if (error instanceof DatabaseError) {
    const code = error.code ?? '';
    const cause = error.cause instanceof Error ? error.cause.message : '';
    const connection = error.kind === 'unavailable' || code.startsWith('3D') || code.startsWith('28');
    return `cannot use the database (${error.kind}${code ? `, ${code}` : ''})${connection && cause ? `: ${cause}` : ''}`.replace(/\s+/g, ' ');
  }
  const message = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${message}`.replace(/\s+/g, ' ');
}

/** Runs one command; resolves to the exit code. Only the result's JSON goes to stdout. */
export async function main(argv: readonly string[]): Promise<number> {
  let db: SqlDatabase | undefined;
  const closeOnSignal = (): void => {
    void (db?.close() ?? Promise.resolve()).finally(() => process.exit(1));
  };
  process.once('SIGINT', closeOnSignal);
  process.once('SIGTERM', closeOnSignal);
  try {
    const parsed = parseArgs(argv);
    if (parsed.command === 'help') {
      const help = helpFor(parsed.topic);
      if (help === undefined) throw new UsageError(`no help for "${parsed.topic}": not a command`);
      await write(process.stdout, help + '\n');
      return 0;
    }
    if (parsed.command === 'version') {
      await write(process.stdout, version() + '\n');
      return 0;
    }
    const config = loadConfig(process.env);
    const run = prepareCommand(parsed, config);
    const showProgress = parsed.progress ?? process.stderr.isTTY === true;
    const progress = (line: string): void => {
      if (showProgress) process.stderr.write(line + '\n');
    };
    // No statement timeout: seeding and migrations are long by nature, and the operator can stop
    // them. Never through a transaction-mode pooler (DATABASE_DIRECT_URL): the migrations' lock
    // is a session's, and only a direct connection can be told to have no timeout.
    db = await openSqlDatabase(config, { statementTimeoutMs: 0, direct: true });
    const applied = await migrate(db);
    if (applied.length > 0) progress(`migrate: applied ${applied.join(', ')}`);
    const result = await run({ db, applied, progress });
    await write(process.stdout, JSON.stringify(result) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof UsageError) await write(process.stderr, `error: ${error.message}\n\n${helpFor(error.topic) ?? usage()}\n`);
    else await write(process.stderr, `error: ${describe(error)}\n`);
    return 1;
  } finally {
    await db?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}

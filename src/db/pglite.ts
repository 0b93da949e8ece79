import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PGliteOptions, Transaction } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Row, RpcArgs, RpcFunction } from './database';
import { toDatabaseError } from './errors';
import { lockDataDir } from './lock';
import type { SqlDatabase, SqlSession } from './sql-database';
import { rpcStatement } from './sql-database';

const NUMERIC_OID = 1700;
const INT8_OID = 20;

/**
 * What every embedded instance is created with: the extensions and number parsing (counts as
 * numbers; numeric as its exact decimal text, never a binary float, as in the pg adapter).
 */
export const PGLITE_OPTIONS = {
  extensions: { pg_trgm, btree_gin },
  parsers: { [NUMERIC_OID]: (value: string) => value, [INT8_OID]: Number },
} satisfies PGliteOptions;

function txSession(tx: PGlite | Transaction): SqlSession {
  const session: SqlSession = {
    query: async <R extends Row>(text: string, values?: unknown[]) => (await tx.query<R>(text, values)).rows,
    exec: async (sql) => {
      await tx.exec(sql);
    },
    transaction: async (work) => {
      if (!('transaction' in tx)) return work(session);
      await tx.transaction(async (inner) => work(txSession(inner)));
    },
  };
  return session;
}

/**
 * The embedded database: real PostgreSQL in WebAssembly, in this process. It has one session,
 * so requests run one at a time, which is fine for its purpose (development, demos, tests).
 * PGlite's own query API is used rather than its node-postgres bridge, which loses track of
 * the protocol after a failed statement.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  private closed = false;

  constructor(
    readonly pglite: PGlite,
    private readonly onClose?: () => void,
  ) {}

  async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
    const { text, values } = rpcStatement(fn, args);
    try {
      return (await this.pglite.query<R>(text, values)).rows;
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async session<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return work(txSession(this.pglite));
  }

  async ping(): Promise<void> {
    if (this.closed) throw toDatabaseError(Object.assign(new Error('closed'), { code: '57P01' }));
    try {
      await this.pglite.query('select 1');
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pglite.close();
    } finally {
      this.onClose?.();
    }
  }
}

/** An in-memory embedded database (tests, or a loaded dump of one). */
export async function memoryDatabase(options: Partial<PGliteOptions> = {}): Promise<PgliteDatabase> {
  return new PgliteDatabase(await PGlite.create({ ...PGLITE_OPTIONS, ...options }));
}

/**
 * Opens (creating if needed) the persistent embedded database in `dataDir`. A lock file makes
 * a second process refuse rather than corrupt the files; closing the database releases it.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<PgliteDatabase> {
  const release = lockDataDir(dataDir);
  try {
    const pglite = await PGlite.create({ ...PGLITE_OPTIONS, dataDir: path.join(dataDir, 'pgdata') });
    return new PgliteDatabase(pglite, release);
  } catch (error) {
    release();
    throw error;
  }
}

import type { Database, Row, RpcArgs, RpcFunction } from './database';
import { DatabaseError } from './errors';
import type { DatabaseErrorKind } from './errors';

/** Told of every call when it ends: the function, how long it took, and how it failed. */
export interface CallObserver {
  dbCall(fn: RpcFunction, seconds: number, failure: DatabaseErrorKind | 'other' | undefined): void;
}

/**
 * The Database port with every `rpc` timed, whatever the backend (PGlite, pg, Supabase): the
 * one place database calls are measured. Only the function's name is passed on, never the
 * arguments. Everything else goes straight to the backend.
 */
export function observedDatabase(db: Database, observer: CallObserver): Database {
  return {
    get kind() {
      return db.kind;
    },
    async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
      const started = process.hrtime.bigint();
      let failure: DatabaseErrorKind | 'other' | undefined;
      try {
        return await db.rpc<R>(fn, args);
      } catch (error) {
        failure = error instanceof DatabaseError ? error.kind : 'other';
        throw error;
      } finally {
        observer.dbCall(fn, Number(process.hrtime.bigint() - started) / 1e9, failure);
      }
    },
    usage: db.usage?.bind(db),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

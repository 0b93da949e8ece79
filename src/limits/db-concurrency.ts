import type { Database, Row, RpcArgs, RpcFunction } from '../db/database';

/** Database calls one request may have running at once (aliases, counts and pages alike). */
export const DB_CALLS_PER_REQUEST = 2;

/**
 * One request's view of the database: at most `max` calls at once, the others queued in
 * order. Without it, one request of many aliased fields would take every pooled connection
 * at the same time and make other organizations' requests wait for them.
 */
export function limitConcurrency(db: Database, max: number = DB_CALLS_PER_REQUEST): Database {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const acquire = (): Promise<void> => {
    if (running < max) {
      running++;
      return Promise.resolve();
    }
    // The slot passes straight from the call that ends to the next one waiting.
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    get kind() {
      return db.kind;
    },
    async rpc<R extends object = Row>(fn: RpcFunction, args: RpcArgs): Promise<R[]> {
      await acquire();
      try {
        return await db.rpc<R>(fn, args);
      } finally {
        release();
      }
    },
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

import type { SqlDatabase, SqlSession } from './sql-database';

/**
 * Runs `work` in one transaction of its own session with no statement timeout: bulk work an
 * operator asked for (seeding) is long by nature and must not be cut by the timeout that
 * protects requests (DB_STATEMENT_TIMEOUT_MS).
 */
export async function withoutStatementTimeout<T>(db: SqlDatabase, work: (session: SqlSession) => Promise<T>): Promise<T> {
  return db.session(async (session) => {
    let result: { value: T } | undefined;
    await session.transaction(async (tx) => {
      await tx.query('set local statement_timeout = 0');
      result = { value: await work(tx) };
    });
    if (!result) throw new Error('the transaction ended without a result');
    return result.value;
  });
}

/**
 * Fresh planner statistics for the domain tables. After a bulk load the old ones describe
 * tables a fraction of their size, and a plan made from them (a nested loop over a table
 * thought empty) can run for minutes.
 */
export async function analyzeDomainTables(db: SqlDatabase): Promise<void> {
  await db.session((session) => session.exec('analyze customers; analyze transactions'));
}

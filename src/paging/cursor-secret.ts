import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/** The file in DATA_DIR that keeps the generated secret outside production. */
export const CURSOR_SECRET_FILE = 'cursor-secret';

/**
 * The secret that seals cursors, so they stay valid across restarts and across instances:
 * CURSOR_SECRET when set (required in production, where every instance must share it);
 * otherwise a random secret made once and kept in DATA_DIR/cursor-secret (mode 0600), which
 * instances sharing the DATA_DIR share. Two processes starting at once agree on one file:
 * it is created exclusively, and the loser reads the winner's.
 */
export function cursorSecret(config: Pick<Config, 'cursorSecret' | 'dataDir' | 'production'>): Buffer {
  if (config.cursorSecret !== undefined) return Buffer.from(config.cursorSecret, 'utf8');
  if (config.production) throw new Error('CURSOR_SECRET is required in production');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.dataDir, CURSOR_SECRET_FILE);
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32).toString('hex') + '\n');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    // (not instanceof Error: errors of node:fs may come from another realm under test runners)
    if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  // a file another process is still writing: the exclusive create wins before the write
  if (secret.length < 64) {
    for (let waited = 0; waited < 50; waited++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      const again = readFileSync(file, 'utf8').trim();
      if (again.length >= 64) return Buffer.from(again, 'utf8');
    }
    throw new Error(`${file} does not hold a cursor secret: delete it to have a new one made (cursors given out before stop working)`);
  }
  return Buffer.from(secret, 'utf8');
}

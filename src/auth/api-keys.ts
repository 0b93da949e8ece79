import { createHash, randomBytes } from 'node:crypto';

export type EnvironmentName = 'live' | 'test';

/** 32 random bytes, crypto-grade: 43 URL-safe characters. */
const RANDOM_BYTES = 32;
const KEY_SHAPE = /^([a-z][a-z0-9]{1,11})_(live|test)_([A-Za-z0-9_-]{43,})$/;

export interface NewApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  /** SHA-256 of the key, hex: what the database keeps. */
  hash: string;
  /** A short, non-secret beginning of the key for listings, e.g. lomi_test_Xy3k. */
  displayPrefix: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Makes a key `<prefix>_<environment>_<random>`. */
export function generateApiKey(prefix: string, environment: EnvironmentName): NewApiKey {
  const key = `${prefix}_${environment}_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
  return { key, hash: hashApiKey(key), displayPrefix: key.slice(0, prefix.length + environment.length + 6) };
}

/**
 * Whether a presented key has the shape of one of ours. Keys of another shape are refused
 * without asking the database.
 */
export function looksLikeApiKey(key: string): boolean {
  return key.length <= 200 && KEY_SHAPE.test(key);
}

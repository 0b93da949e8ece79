#!/usr/bin/env node
/**
 * Builds dist/ with `tsc -p tsconfig.build.json` only when it is missing or older than the
 * sources, so `npm start` and `npm run cli` start fast. With --quiet nothing is printed on
 * stdout (the CLI's stdout is JSON only): compiler errors go to stderr and exit code 1.
 * Freshness: a stamp file written at the start time of the last successful build; any file
 * under src/, types/, bench/ or fuzz/ (or a tsconfig) modified after it means a rebuild; bench/results/
 * holds the benchmark's output, not sources, so it is skipped.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const lockDir = path.join(dist, '.build-lock');
const quiet = process.argv.includes('--quiet');
const SOURCES = ['src', 'types', 'bench', 'fuzz'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];
const STALE_LOCK_MS = 5 * 60 * 1000;
const IGNORED = new Set([path.join(root, 'bench', 'results')]);

function newestMtime(entry) {
  if (IGNORED.has(entry)) return 0;
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file shows only as a directory change
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

function isFresh() {
  let built;
  try {
    built = fs.statSync(stamp).mtimeMs;
  } catch {
    return false;
  }
  const inputs = [...SOURCES, ...CONFIGS].map((entry) => newestMtime(path.join(root, entry)));
  return Math.max(...inputs) <= built;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Two processes starting at once (parallel test files) must not both write dist/. */
function withLock(work) {
  fs.mkdirSync(dist, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        if (Date.now() - fs.statSync(lockDir).mtimeMs > STALE_LOCK_MS) fs.rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // the holder released it meanwhile
      }
      sleep(100);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function build() {
  const startedAt = new Date();
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  // tsc prints its diagnostics on stdout: with --quiet they are moved to stderr
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: quiet ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (quiet && result.stdout) process.stderr.write(result.stdout);
  if (result.error || result.status !== 0) {
    process.stderr.write(`build failed: tsc -p tsconfig.build.json${result.error ? ` (${result.error.message})` : ''}\n`);
    return 1;
  }
  fs.mkdirSync(dist, { recursive: true });
  fs.writeFileSync(stamp, startedAt.toISOString() + '\n');
  fs.utimesSync(stamp, startedAt, startedAt);
  if (!quiet) process.stdout.write('built dist/\n');
  return 0;
}

function main() {
  if (isFresh()) return 0;
  return withLock(() => (isFresh() ? 0 : build()));
}

process.exitCode = main();

#!/usr/bin/env node
/**
 * Builds dist/ with `tsc -b tsconfig.build.json`: an incremental build (its state in
 * dist/.tsbuildinfo) that compiles only what changed and does nothing when dist/ is up to date,
 * so `npm start` and `npm run cli` start without a full compile. With --quiet nothing is printed
 * on stdout (the CLI's stdout is JSON only): compiler errors go to stderr and exit code 1.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const lockDir = path.join(dist, '.build-lock');
const quiet = process.argv.includes('--quiet');
const STALE_LOCK_MS = 5 * 60 * 1000;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * One build at a time. tsc writes each output file in place (truncate, then write), not by
 * rename: two builds at once (parallel test files each starting the gateway or the CLI) would
 * both rewrite dist/, and a process starting meanwhile could load a half-written file. The
 * second build waits here, then finds the project up to date.
 */
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
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  // tsc prints its diagnostics on stdout: with --quiet they are moved to stderr
  const result = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: quiet ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (quiet && result.stdout) process.stderr.write(result.stdout);
  if (result.error || result.status !== 0) {
    process.stderr.write(`build failed: tsc -b tsconfig.build.json${result.error ? ` (${result.error.message})` : ''}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = withLock(build);

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';

/** The project's root: where `dist/src/main.js` and `npm start` run. */
export const root = path.resolve(__dirname, '../..');

export interface Started {
  child: ChildProcessWithoutNullStreams;
  endpoint: string;
  demoKey: string | undefined;
  /** Everything written so far: stdout and stderr together, and each apart. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
}

/**
 * Starts the real gateway process (what `npm start` runs, or `npm start` itself) and waits
 * for its welcome lines, which go to stderr.
 */
export function startProcess(env: Record<string, string>, command: 'node' | 'npm start' = 'node'): Promise<Started> {
  const [file, args] = command === 'node' ? [process.execPath, ['dist/src/main.js']] : ['npm', ['start']];
  const child = spawn(file, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no welcome within 120 s:\n${out}`)), 120_000);
    const check = () => {
      const endpoint = /GraphQL endpoint: (http:\/\/localhost:\d+\/graphql)/.exec(stderr)?.[1];
      if (endpoint && stderr.includes('\n\n', stderr.indexOf('GraphQL endpoint'))) {
        clearTimeout(timer);
        const demoKey = /Demo API key \(test environment\): (lomi_\S+)/.exec(stderr)?.[1];
        resolve({ child, endpoint: endpoint.replace('localhost', '127.0.0.1'), demoKey, output: () => out, stdout: () => stdout, stderr: () => stderr });
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      stderr += chunk.toString();
      check();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Sends SIGTERM; resolves to the exit code. */
export function stopProcess(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.removeAllListeners('exit');
    started.child.on('exit', (code) => resolve(code));
    started.child.kill('SIGTERM');
  });
}

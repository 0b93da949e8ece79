/**
 * The load generator, run as its own process (`node dist/bench/load.js <spec.json>`) so that
 * autocannon's event loop competes neither with the gateway's nor with the runner's. Runs a
 * warm-up, then the measured phase, and prints one JSON line (LoadResult) on stdout.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec, PhaseSummary } from './types';

/** A GraphQL error array, or the baseline's `{"error": ...}`; never part of a good answer. */
const FAILED_BODY = /^\{"errors":|"errors":\[|^\{"error":/;

function runPhase(spec: LoadSpec, seconds: number): Promise<PhaseSummary> {
  let bodyErrors = 0;
  let sampleError: string | undefined;
  const { requests } = spec;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        method: 'POST',
        connections: spec.connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const picked = requests[Math.floor(Math.random() * requests.length)];
              return { ...request, headers: { 'content-type': 'application/json', ...picked.headers }, body: picked.body };
            },
            onResponse: (status, body) => {
              if (status >= 200 && status < 300 && FAILED_BODY.test(body)) {
                bodyErrors += 1;
                sampleError ??= body.slice(0, 500);
              } else if ((status < 200 || status >= 300) && sampleError === undefined) {
                sampleError = `HTTP ${status}: ${body.slice(0, 500)}`;
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const latency = result.latency as unknown as Record<string, number>;
        resolve({
          requests: result.requests.total,
          sent: result.requests.sent,
          rps: result.requests.total / seconds,
          latencyMs: { p50: latency.p50, p90: latency.p90, p99: latency.p99, avg: latency.average, max: latency.max },
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          bodyErrors,
          sampleError,
        });
      },
    );
  });
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/bench/load.js <spec.json>');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as LoadSpec;
  if (spec.requests.length === 0) throw new Error('the spec has no requests');
  const warmup = await runPhase(spec, spec.warmupSeconds);
  const measured = await runPhase(spec, spec.durationSeconds);
  const result: LoadResult = { warmup, measured };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`load failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

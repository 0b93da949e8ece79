import type { CaseContext, Family, FuzzCase } from './cases';
import { generateCase, requestIdFor } from './cases';
import type { Finding, OracleContext } from './oracle';
import { judge } from './oracle';
import type { FuzzRequest } from './transport';
import { exchange } from './transport';

/** A gateway log line at error level or above, as far as the fuzzer needs it. */
export interface LoggedError {
  requestId?: string;
  msg?: string;
  err?: unknown;
}

export interface FuzzTarget {
  readonly port: number;
  /** Error-level log lines written since the last call. */
  drainErrors(): LoggedError[];
}

export interface FuzzOptions {
  readonly target: FuzzTarget;
  readonly oracle: OracleContext;
  readonly concurrency: number;
  /** How long an answer may take before it counts as none. */
  readonly timeoutMs: number;
  /** /health is asked after every this many requests, and at the end. */
  readonly healthEvery: number;
  readonly onProgress?: (done: number, findings: number) => void;
  /** Faults already known and owned by a change in progress: their cases are reported apart. */
  readonly known?: readonly KnownFault[];
}

export interface KnownFault {
  /** Where it is being fixed. */
  readonly owner: string;
  /** Matches the detail of one of the case's findings. */
  readonly detail: RegExp;
}

export interface FamilyStats {
  requests: number;
  statuses: Record<string, number>;
}

export interface FuzzReport {
  requests: number;
  elapsedMs: number;
  byFamily: Partial<Record<Family, FamilyStats>>;
  findings: Finding[];
  /** The cases behind the findings, for replay. */
  failing: FuzzCase[];
  /** Findings of cases that showed a known fault (options.known), not counted as findings. */
  known: Finding[];
}

async function healthy(port: number, timeoutMs: number): Promise<string | undefined> {
  const result = await exchange(port, { kind: 'http', method: 'GET', path: '/health', headers: [] }, timeoutMs);
  const status = result.responses[0]?.status;
  return status === 200 ? undefined : `GET /health: ${status ?? result.failure ?? 'no answer'}`;
}

/**
 * Sends every case (at most `concurrency` at once), judges each answer, asks /health as it
 * goes, and traces error-level log lines back to the case that caused them by request id.
 */
export async function runCases(cases: Iterable<FuzzCase>, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const report: FuzzReport = { requests: 0, elapsedMs: 0, byFamily: {}, findings: [], failing: [], known: [] };
  const byRequestId = new Map<string, FuzzCase>();
  const failing = new Set<FuzzCase>();
  const record = (testCase: FuzzCase | undefined, findings: Finding[]) => {
    report.findings.push(...findings);
    if (testCase && findings.length) failing.add(testCase);
  };
  const collectLogs = () => {
    for (const line of options.target.drainErrors()) {
      const testCase = line.requestId ? byRequestId.get(line.requestId) : undefined;
      const detail = `${line.msg ?? 'error'}: ${JSON.stringify(line.err ?? null).slice(0, 300)}`;
      record(testCase, [{ seed: testCase?.seed ?? 0, index: testCase?.index ?? -1, family: testCase?.family ?? 'unknown', problem: 'error logged', detail: `${line.requestId ?? 'no request id'} ${detail}` }]);
    }
  };
  const iterator = cases[Symbol.iterator]();
  let done = 0;
  let nextHealth = options.healthEvery;
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const testCase = next.value;
      byRequestId.set(requestIdFor(testCase.seed, testCase.index), testCase);
      const result = await exchange(options.target.port, testCase.request, options.timeoutMs);
      const stats = (report.byFamily[testCase.family] ??= { requests: 0, statuses: {} });
      stats.requests += 1;
      const status = String(result.responses[0]?.status ?? 'none');
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      record(testCase, judge(testCase, result, options.oracle));
      done += 1;
      if (done >= nextHealth) {
        nextHealth += options.healthEvery;
        collectLogs();
        const problem = await healthy(options.target.port, Math.max(2_000, options.timeoutMs / 2));
        if (problem) record(testCase, [{ seed: testCase.seed, index: testCase.index, family: testCase.family, problem: '/health', detail: `after this case: ${problem}` }]);
        options.onProgress?.(done, report.findings.length);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  // Log lines of the last requests may be written just after their answers.
  await new Promise((resolve) => setTimeout(resolve, 50));
  collectLogs();
  const problem = await healthy(options.target.port, Math.max(2_000, options.timeoutMs / 2));
  if (problem) report.findings.push({ seed: 0, index: -1, family: 'unknown', problem: '/health', detail: `at the end: ${problem}` });
  report.requests = done;
  report.elapsedMs = Date.now() - started;
  // A case with a known fault is set apart whole: its other findings may be the same fault's.
  const known = options.known ?? [];
  const excused = new Set(report.findings.filter((f) => f.index >= 0 && known.some((k) => k.detail.test(f.detail))).map((f) => f.index));
  report.known = report.findings.filter((f) => excused.has(f.index));
  report.findings = report.findings.filter((f) => !excused.has(f.index));
  report.failing = [...failing].filter((c) => !excused.has(c.index)).sort((a, b) => a.index - b.index);
  return report;
}

/** The cases of a run: `requests` cases from `seed`, generated as they are sent. */
export function* generatedCases(seed: number, requests: number, context: CaseContext, first = 0): Generator<FuzzCase> {
  for (let index = first; index < first + requests; index += 1) yield generateCase(seed, index, context);
}

/** A case as JSON (bodies and raw bytes in base64), for the findings file. */
export interface StoredCase {
  seed: number;
  index: number;
  family: string;
  request:
    | { kind: 'http'; method: string; path: string; headers: [string, string][]; bodyBase64?: string }
    | { kind: 'raw'; bytesBase64: string };
}

export function storeCase(testCase: FuzzCase): StoredCase {
  const { request } = testCase;
  return {
    seed: testCase.seed,
    index: testCase.index,
    family: testCase.family,
    request:
      request.kind === 'raw'
        ? { kind: 'raw', bytesBase64: request.bytes.toString('base64') }
        : { kind: 'http', method: request.method, path: request.path, headers: request.headers, ...(request.body ? { bodyBase64: request.body.toString('base64') } : {}) },
  };
}

export function loadCase(stored: StoredCase): FuzzCase {
  const { request } = stored;
  const loaded: FuzzRequest =
    request.kind === 'raw'
      ? { kind: 'raw', bytes: Buffer.from(request.bytesBase64, 'base64') }
      : { kind: 'http', method: request.method, path: request.path, headers: request.headers, ...(request.bodyBase64 ? { body: Buffer.from(request.bodyBase64, 'base64') } : {}) };
  return { seed: stored.seed, index: stored.index, family: stored.family as Family, request: loaded };
}

/** A short human summary of a report. */
export function summary(report: FuzzReport, seed: number | undefined): string {
  const lines = [`fuzz: ${report.requests} requests${seed === undefined ? '' : ` (seed ${seed})`} in ${(report.elapsedMs / 1000).toFixed(1)} s: ${report.findings.length} findings`];
  for (const [family, stats] of Object.entries(report.byFamily)) {
    const statuses = Object.entries(stats?.statuses ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}×${n}`).join(' ');
    lines.push(`  ${family.padEnd(17)} ${String(stats?.requests ?? 0).padStart(6)}  ${statuses}`);
  }
  const byProblem = new Map<string, number>();
  for (const finding of report.findings) byProblem.set(finding.problem, (byProblem.get(finding.problem) ?? 0) + 1);
  for (const [problem, n] of byProblem) lines.push(`  finding: ${problem} ×${n}`);
  if (report.known.length) lines.push(`  known faults (owned elsewhere, not counted): ${new Set(report.known.map((f) => f.index)).size} cases`);
  for (const finding of report.findings.slice(0, 10)) {
    lines.push(`  #${finding.index} ${finding.family} ${finding.problem}${finding.status ? ` (${finding.status})` : ''}: ${finding.detail.slice(0, 200)}`);
  }
  return lines.join('\n');
}

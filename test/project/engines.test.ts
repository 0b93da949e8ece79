import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(__dirname, '../..');

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}

function lockedPackages(): [string, LockEntry][] {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  return Object.entries(lock.packages).filter(([where]) => where !== '');
}

function nodeRange(entry: LockEntry): string | undefined {
  return entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
}

/**
 * `npm ci` warns (EBADENGINE) for every installed package whose `engines.node` excludes the
 * running Node. The project declares `>=20`, so every locked package must accept Node 20 as well
 * as the Node this test runs on (22 and 24 in CI's second pass).
 */
describe('the locked dependency tree', () => {
  test('the project declares Node >=20', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20');
  });

  test.each(['20.19.0', process.versions.node])('every package accepts Node %s (npm ci prints no EBADENGINE)', (node) => {
    const refusing = lockedPackages()
      .filter(([, entry]) => {
        const range = nodeRange(entry);
        return range !== undefined && !semver.satisfies(node, range, { includePrerelease: true });
      })
      .map(([where, entry]) => `${where.replace(/^.*node_modules\//, '')}@${entry.version ?? '?'} wants node ${nodeRange(entry)}`);
    expect(refusing).toEqual([]);
  });
});

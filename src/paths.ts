import { existsSync } from 'node:fs';
import path from 'node:path';

/** The project's root (where package.json is), whether running from src/ or dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
}

export const sqlDir = (): string => path.join(projectRoot(), 'schema', 'sql');

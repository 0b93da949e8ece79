/**
 * supabase/migrations is generated from schema/sql by scripts/supabase-migrations.js; the
 * committed copy must be what the script writes now, or `supabase db push` would apply a stale
 * schema.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const COMMITTED = path.join(ROOT, 'supabase', 'migrations');

test('supabase/migrations matches what scripts/supabase-migrations.js generates from schema/sql', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'supabase-migrations-'));
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'supabase-migrations.js'), '--out', out], { stdio: 'pipe' });
    const generated = readdirSync(out).sort();
    const sources = readdirSync(path.join(ROOT, 'schema', 'sql')).filter((f) => /^\d{3}_.*\.sql$/.test(f));
    expect(generated).toHaveLength(sources.length);
    expect(readdirSync(COMMITTED).sort()).toEqual(generated);
    for (const file of generated) {
      expect(`${file}:\n${readFileSync(path.join(COMMITTED, file), 'utf8')}`).toBe(`${file}:\n${readFileSync(path.join(out, file), 'utf8')}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('timestamps come from the file numbers, in order', () => {
  const names = readdirSync(COMMITTED).sort();
  for (const name of names) {
    const match = /^(\d{14})_([a-z0-9_]+\.sql)$/.exec(name);
    expect(match).not.toBeNull();
    const number = Number(match?.[1]) - 20250101000000;
    expect(readdirSync(path.join(ROOT, 'schema', 'sql'))).toContain(`${String(number).padStart(3, '0')}_${match?.[2]}`);
  }
});

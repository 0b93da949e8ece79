#!/usr/bin/env node
/**
 * Writes supabase/migrations/<timestamp>_<name>.sql from schema/sql/<NNN>_<name>.sql, so a
 * Supabase project can take the schema with `supabase db push`. The timestamps are derived from
 * the file numbers (20250101000000 + NNN), never from the clock: the output is the same on every
 * machine, and a drift test compares it with the committed copy.
 *
 *   node scripts/supabase-migrations.js            writes supabase/migrations
 *   node scripts/supabase-migrations.js --out DIR  writes DIR instead (used by the drift test)
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'schema', 'sql');
const BASE = 20250101000000n;

function generate(outDir) {
  const files = fs.readdirSync(SOURCE).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  fs.mkdirSync(outDir, { recursive: true });
  // remove earlier generated files so a renamed or deleted source does not linger
  for (const old of fs.readdirSync(outDir)) {
    if (/^\d{14}_[a-z0-9_]+\.sql$/.test(old)) fs.rmSync(path.join(outDir, old));
  }
  const written = [];
  for (const file of files) {
    const number = BigInt(file.slice(0, 3));
    const name = `${BASE + number}_${file.slice(4)}`;
    const header =
      `-- Generated from schema/sql/${file} by scripts/supabase-migrations.js: edit the source,\n` +
      '-- then run `node scripts/supabase-migrations.js`.\n\n';
    fs.writeFileSync(path.join(outDir, name), header + fs.readFileSync(path.join(SOURCE, file), 'utf8'));
    written.push(name);
  }
  return written;
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(ROOT, 'supabase', 'migrations');
  for (const name of generate(outDir)) process.stdout.write(`${path.relative(process.cwd(), path.join(outDir, name))}\n`);
}

module.exports = { generate };

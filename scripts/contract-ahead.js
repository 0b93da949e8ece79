#!/usr/bin/env node
// Prints what the emitted schema still lacks of the shared contract beside the repository
// (../shared/contract/schema.graphql), for CI's log. Never fails: the shared contract may be
// ahead of the version this project serves (schema/contract.graphql, which the tests check).
const { readFileSync, existsSync } = require('node:fs');
const path = require('node:path');
const { buildSchema, findBreakingChanges } = require('graphql');

const root = path.resolve(__dirname, '..');
const shared = path.resolve(root, '../shared/contract/schema.graphql');
if (!existsSync(shared)) {
  console.log('no shared contract beside the repository: nothing to compare');
  process.exit(0);
}
try {
  const contract = buildSchema(readFileSync(shared, 'utf8'));
  const emitted = buildSchema(readFileSync(path.join(root, 'schema/schema.graphql'), 'utf8'));
  const missing = findBreakingChanges(contract, emitted);
  if (missing.length === 0) console.log('the emitted schema serves all of the shared contract');
  else {
    console.log(`the shared contract is ahead of the emitted schema by ${missing.length} item(s) (open issues build them):`);
    for (const change of missing) console.log(`  ${change.type}: ${change.description}`);
  }
} catch (error) {
  console.log(`could not compare with the shared contract: ${error instanceof Error ? error.message : String(error)}`);
}

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { emittedSdl } from '../schema';

/** Writes schema/schema.graphql from the code (`npm run schema:emit`). */
async function main(): Promise<void> {
  const file = path.join(projectRoot(), 'schema', 'schema.graphql');
  writeFileSync(file, await emittedSdl());
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { emittedSdl, subgraphSdl } from '../schema';

/**
 * Writes schema/schema.graphql (the schema clients see) and schema/subgraph.graphql (the
 * Federation 2 SDL a router composes) from the code (`npm run schema:emit`).
 */
async function main(): Promise<void> {
  const files: [string, string][] = [
    ['schema.graphql', await emittedSdl()],
    ['subgraph.graphql', await subgraphSdl()],
  ];
  for (const [name, sdl] of files) {
    const file = path.join(projectRoot(), 'schema', name);
    writeFileSync(file, sdl);
    process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

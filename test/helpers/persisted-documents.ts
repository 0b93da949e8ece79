import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentNode } from 'graphql';
import { parse } from 'graphql';

const ROOT = path.resolve(__dirname, '../..');

/** A manifest written by GraphQL Code Generator's client preset, as an app's build writes it. */
export interface GeneratedManifest {
  /** The persisted-documents.json the preset wrote. */
  readonly file: string;
  readonly entries: Readonly<Record<string, string>>;
  /** The manifest's id (as written, e.g. `sha256:<hex>`) of the document holding this operation. */
  idOf(operationName: string): string;
  /** That document's text. */
  textOf(operationName: string): string;
  /**
   * The typed document the preset generated for the app (src/gql/graphql.ts's
   * `<operationName>Document`), with its `__meta__.hash`: the object an app hands to its client.
   */
  documentOf(operationName: string): DocumentNode & { __meta__?: { hash?: string } };
}

function operationNames(text: string): string[] {
  return parse(text).definitions.flatMap((definition) => (definition.kind === 'OperationDefinition' && definition.name ? [definition.name.value] : []));
}

/**
 * A directory for a generated manifest, under node_modules/.cache so the preset resolves from
 * it; the manifest will be `manifestFile(dir)`. Remove it with rmSync when done.
 */
export function manifestDir(): string {
  const cache = path.join(ROOT, 'node_modules', '.cache');
  // a fresh `npm ci` has no node_modules/.cache yet
  mkdirSync(cache, { recursive: true });
  return mkdtempSync(path.join(cache, 'persisted-documents-'));
}

export const manifestFile = (dir: string): string => path.join(dir, 'gql', 'persisted-documents.json');

/**
 * Runs the real codegen CLI with the client preset and `persistedDocuments` over the tests'
 * operations (test/operations/*.graphql) and the committed schema, into `dir` (manifestDir()).
 */
export async function generateManifest(dir: string, hashAlgorithm: 'sha256' | 'sha1' = 'sha256'): Promise<GeneratedManifest> {
  const config = {
    schema: path.join(ROOT, 'schema', 'schema.graphql'),
    documents: [path.join(ROOT, 'test', 'operations', '*.graphql')],
    generates: {
      [path.join(dir, 'gql') + '/']: {
        preset: 'client',
        presetConfig: { persistedDocuments: { hashAlgorithm } },
      },
    },
  };
  writeFileSync(path.join(dir, 'codegen.json'), JSON.stringify(config));
  const output = await new Promise<string>((resolve, reject) => {
    execFile(path.join(ROOT, 'node_modules', '.bin', 'graphql-codegen'), ['--config', 'codegen.json'], { cwd: dir, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`codegen failed:\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
  const file = manifestFile(dir);
  let entries: Record<string, string>;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new Error(`codegen wrote no readable manifest (${String(error)}):\n${output}`);
  }
  const find = (operationName: string): [string, string] => {
    const found = Object.entries(entries).find(([, text]) => operationNames(text).includes(operationName));
    if (!found) throw new Error(`no document of operation ${operationName} in the generated manifest`);
    return found;
  };
  return {
    file,
    entries,
    idOf: (operationName) => find(operationName)[0],
    textOf: (operationName) => find(operationName)[1],
    documentOf(operationName) {
      // The generated module is TypeScript outside the project; its documents are JSON literals.
      const source = readFileSync(path.join(dir, 'gql', 'graphql.ts'), 'utf8');
      const match = new RegExp(`^export const ${operationName}Document = (\\{.*\\}) as unknown as `, 'm').exec(source);
      if (!match) throw new Error(`no ${operationName}Document in the generated graphql.ts`);
      return JSON.parse(match[1]) as DocumentNode & { __meta__?: { hash?: string } };
    },
  };
}

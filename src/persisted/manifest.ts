import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DocumentNode } from 'graphql';
import { GraphQLError, Kind, parse } from 'graphql';

/**
 * The trusted documents of the apps that call the gateway: the JSON manifest GraphQL Code
 * Generator's client preset writes with `presetConfig.persistedDocuments`
 * (`persisted-documents.json`), an object from each document's id to its text. With the preset's
 * default `hashAlgorithm: 'sha256'` an id is `sha256:` and the SHA-256 of the text in hex (the
 * GraphQL-over-HTTP persisted documents appendix); the same 64 digits without the prefix are
 * accepted too. Other algorithms (`sha1`, a function of the app's own) make ids the gateway
 * cannot check against the text, so such a manifest is refused at start.
 */
export interface PersistedDocument {
  /** `sha256:<hex>`, whichever form the manifest used. */
  readonly id: string;
  readonly text: string;
  /** The names of its named operations. */
  readonly operationNames: readonly string[];
}

export interface Manifest {
  readonly size: number;
  /** Every operation name in the manifest, sorted, each once. */
  readonly operationNames: readonly string[];
  /** The document with this id (`sha256:<hex>` or the bare hex), or undefined. */
  byId(id: string): PersistedDocument | undefined;
  /** The document whose text is exactly `text`, or undefined. */
  byText(text: string): PersistedDocument | undefined;
}

/** Why a manifest could not be used: the caller names the setting. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const PREFIX = 'sha256:';
/** The longest id there is: `sha256:` and 64 hex digits. */
export const MAX_DOCUMENT_ID_LENGTH = PREFIX.length + 64;
const HEX_64 = /^[0-9a-f]{64}$/i;

/**
 * The SHA-256 (lower-case hex) a document id names, or undefined when it is not one
 * (`sha256:<64 hex>` or the 64 hex digits alone). Bounded before any pattern runs.
 */
export function documentHash(id: string): string | undefined {
  if (id.length > MAX_DOCUMENT_ID_LENGTH) return undefined;
  const hex = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id;
  return HEX_64.test(hex) ? hex.toLowerCase() : undefined;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function operationNamesOf(document: DocumentNode): string[] {
  const names: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.push(definition.name.value);
  }
  return names;
}

/** Shortens an id for a message (a bad one may be long). */
function quoted(id: string): string {
  return JSON.stringify(id.length > 80 ? `${id.slice(0, 77)}...` : id);
}

function entry(id: string, text: unknown): [string, PersistedDocument] {
  if (typeof text !== 'string') throw new ManifestError(`entry ${quoted(id)} is not a string: every value must be a document's text`);
  const hash = documentHash(id);
  if (hash === undefined) {
    const hint = /^[0-9a-f]{40}$/i.test(id)
      ? " (it looks like SHA-1: generate the manifest with the client preset's default hashAlgorithm, 'sha256')"
      : " (generate the manifest with the client preset's default hashAlgorithm, 'sha256')";
    throw new ManifestError(`entry ${quoted(id)} is not a SHA-256 document id, sha256:<64 hex digits>${hint}`);
  }
  const actual = sha256Hex(text);
  if (actual !== hash) {
    throw new ManifestError(
      `entry ${quoted(id)} does not match its document: the SHA-256 of its text is ${PREFIX}${actual}; regenerate the manifest with the client preset instead of editing it`,
    );
  }
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (error) {
    const reason = error instanceof GraphQLError ? error.message : String(error);
    throw new ManifestError(`entry ${quoted(id)} is not a GraphQL document: ${reason}`);
  }
  return [hash, Object.freeze({ id: `${PREFIX}${hash}`, text, operationNames: Object.freeze(operationNamesOf(document)) })];
}

/** A manifest from its parsed JSON: every entry's id checked against its text. */
export function manifestFrom(json: unknown): Manifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ManifestError('is not a JSON object from document ids to document texts, as the client preset writes');
  }
  const documents = new Map<string, PersistedDocument>();
  for (const [id, text] of Object.entries(json)) {
    const [hash, document] = entry(id, text);
    if (documents.has(hash)) throw new ManifestError(`entry ${quoted(id)} appears twice (with and without the sha256: prefix)`);
    documents.set(hash, document);
  }
  if (documents.size === 0) throw new ManifestError('has no documents');
  const operationNames = Object.freeze([...new Set([...documents.values()].flatMap((document) => document.operationNames))].sort());
  return Object.freeze({
    size: documents.size,
    operationNames,
    byId(id: string) {
      const hash = documentHash(id);
      return hash === undefined ? undefined : documents.get(hash);
    },
    byText(text: string) {
      return documents.get(sha256Hex(text));
    },
  });
}

/** Reads and checks the manifest file; a ManifestError says what is wrong with it. */
export function loadManifest(file: string): Manifest {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
    throw new ManifestError(`cannot be read (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ManifestError('is not valid JSON');
  }
  return manifestFrom(json);
}

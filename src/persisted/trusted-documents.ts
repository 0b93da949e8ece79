import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { DocumentNode } from 'graphql';
import { Kind, parse } from 'graphql';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config, PersistedDocumentsMode } from '../config';
import { ErrorCode, HTTP_STATUS } from '../errors';
import { scanQueryText } from '../limits/document';
import { isIntrospectionOnly } from '../plugins';
import type { Manifest } from './manifest';
import { documentHash } from './manifest';

/**
 * Trusted documents (PERSISTED_DOCUMENTS): the operations an app was built with, listed in the
 * manifest its build wrote, sent by id instead of text.
 *
 * - `{"documentId": "sha256:<hex>"}` (prefix optional) in a POST body or a GET parameter, and
 *   Apollo's `extensions.persistedQuery.sha256Hash` without a query, run the manifest's text
 *   (with the request's variables and operationName) in `allow` and `require`.
 * - An unknown documentId: 400 PERSISTED_QUERY_NOT_FOUND. An unknown hash in
 *   `extensions.persistedQuery` is an automatic persisted query (Apollo's cache), which
 *   answers PERSISTED_QUERY_NOT_FOUND the way its clients expect (then they send the text).
 * - In `require`, a query text is run only when it is a manifest document's exact text, or
 *   introspection while GRAPHQL_INTROSPECTION is on; anything else is 400
 *   PERSISTED_QUERY_NOT_IN_LIST before it is parsed or validated. That holds for the text of an
 *   automatic persisted query being registered, so Apollo's cache only ever holds documents
 *   this check let through.
 *
 * It rewrites the request Apollo then reads (the body, or the URL of a GET), so everything
 * after it (CSRF prevention, limits, the API key) applies to a trusted document as to any.
 */
export interface TrustedDocumentsOptions {
  readonly mode: PersistedDocumentsMode;
  readonly manifest: Manifest | undefined;
  /** GRAPHQL_INTROSPECTION: whether introspection passes in `require`. */
  readonly introspection: boolean;
  /** MAX_QUERY_TOKENS: bounds the parse that tells introspection from other text. */
  readonly maxTokens: number;
}

/**
 * The operation names in the loaded manifest, sorted (empty without one): a bounded set, for
 * labels that must not grow with what clients send (metrics).
 */
export function persistedOperationNames(config: Pick<Config, 'persistedDocuments'>): readonly string[] {
  return config.persistedDocuments.manifest?.operationNames ?? [];
}

type Extensions = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a GraphQL-over-HTTP request carries, and how to change it before Apollo reads it. */
interface Carried {
  readonly hasDocumentId: boolean;
  readonly documentId: unknown;
  /** The query texts (a GET may repeat the parameter: each is checked, Apollo refuses the repeat). */
  readonly queries: readonly unknown[];
  readonly extensions: Extensions | undefined;
  /** `query` replaces the text; `extensions`: new ones, or null to drop them. documentId goes. */
  rewrite(change: { query?: string; extensions?: Extensions | null }): void;
}

function fromBody(req: Request): Carried | undefined {
  const body: unknown = req.body;
  if (!isRecord(body)) return undefined;
  return {
    hasDocumentId: 'documentId' in body,
    documentId: body.documentId,
    queries: body.query === undefined || body.query === null ? [] : [body.query],
    extensions: isRecord(body.extensions) ? body.extensions : undefined,
    rewrite({ query, extensions }) {
      const { documentId: _dropped, extensions: previous, ...rest } = body;
      const next: Record<string, unknown> = { ...rest };
      if (query !== undefined) next.query = query;
      const kept = extensions === undefined ? previous : extensions;
      if (kept !== null && kept !== undefined) next.extensions = kept;
      req.body = next;
    },
  };
}

function jsonParam(text: string | null): Extensions | undefined {
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function fromUrl(req: Request): Carried {
  const mark = req.url.indexOf('?');
  const path = mark === -1 ? req.url : req.url.slice(0, mark);
  const params = new URLSearchParams(mark === -1 ? '' : req.url.slice(mark + 1));
  const ids = params.getAll('documentId');
  return {
    hasDocumentId: ids.length > 0,
    documentId: ids.length === 1 ? ids[0] : ids,
    queries: params.getAll('query'),
    extensions: jsonParam(params.get('extensions')),
    rewrite({ query, extensions }) {
      params.delete('documentId');
      if (query !== undefined) params.set('query', query);
      if (extensions === null) params.delete('extensions');
      else if (extensions !== undefined) params.set('extensions', JSON.stringify(extensions));
      // Apollo's express integration reads the parameters from req.url.
      req.url = `${path}?${params.toString()}`;
    },
  };
}

interface PersistedQuery {
  /** The extension as sent. */
  readonly fields: Record<string, unknown>;
  readonly version: unknown;
  readonly sha256Hash: string;
}

function persistedQueryOf(extensions: Extensions | undefined): PersistedQuery | undefined {
  const persisted = extensions?.persistedQuery;
  if (!isRecord(persisted) || typeof persisted.sha256Hash !== 'string') return undefined;
  return { fields: persisted, version: persisted.version, sha256Hash: persisted.sha256Hash };
}

/** The extensions without persistedQuery, or null when nothing else is left. */
function withoutPersistedQuery(extensions: Extensions): Extensions | null {
  const { persistedQuery: _dropped, ...rest } = extensions;
  return Object.keys(rest).length > 0 ? rest : null;
}

/**
 * The extensions with the hash as Apollo's cache keys it (bare hex): the client preset's ids
 * carry `sha256:`, and an app may hand them to Apollo Client's persisted-query link.
 */
function withBareHash(extensions: Extensions, persisted: PersistedQuery): Extensions | undefined {
  const hash = documentHash(persisted.sha256Hash);
  if (hash === undefined || hash === persisted.sha256Hash) return undefined;
  return { ...extensions, persistedQuery: { ...persisted.fields, sha256Hash: hash } };
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId } }] });
}

const NOT_IN_LIST =
  'This server runs only trusted documents (PERSISTED_DOCUMENTS=require): send the documentId of an operation in its manifest, not the query text';

/** Only introspection (every operation asks only for __schema, __type or __typename). */
function introspectionOnly(text: string, maxTokens: number): boolean {
  // The same caps as any query text before the (recursive) parser sees it.
  if (scanQueryText(text, maxTokens)) return false;
  let document: DocumentNode;
  try {
    document = parse(text, { maxTokens, noLocation: true });
  } catch {
    return false;
  }
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length > 0 && operations.every(isIntrospectionOnly);
}

/** Express middleware for /graphql, between the body parser and Apollo. */
export function trustedDocuments(options: TrustedDocumentsOptions): RequestHandler {
  const { mode, manifest, introspection, maxTokens } = options;

  const byDocumentId = (carried: Carried, res: Response, next: NextFunction): void => {
    if (mode === 'off') {
      refuse(res, 400, ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'Trusted documents are off on this server (PERSISTED_DOCUMENTS=off): send the query text instead of documentId');
      return;
    }
    const { documentId } = carried;
    if (typeof documentId !== 'string') {
      refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, 'documentId must be one string: sha256:<64 hex digits>, with or without the prefix');
      return;
    }
    if (carried.queries.length > 0 || persistedQueryOf(carried.extensions)) {
      refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, 'Send documentId alone: not together with query or extensions.persistedQuery');
      return;
    }
    const document = manifest?.byId(documentId);
    if (!document) {
      const hash = documentHash(documentId);
      refuse(
        res,
        400,
        ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
        hash === undefined
          ? 'documentId must be sha256:<64 hex digits> (the id the client preset of GraphQL Code Generator gives each document), with or without the prefix'
          : `No trusted document has the id sha256:${hash}: deploy the manifest built with this version of the app (PERSISTED_DOCUMENTS_MANIFEST)`,
      );
      return;
    }
    carried.rewrite({ query: document.text });
    next();
  };

  const allowedText = (text: string): boolean => manifest?.byText(text) !== undefined || (introspection && introspectionOnly(text, maxTokens));

  return (req, res, next) => {
    const carried = req.method === 'POST' ? fromBody(req) : req.method === 'GET' ? fromUrl(req) : undefined;
    if (!carried) return next();
    if (carried.hasDocumentId) return byDocumentId(carried, res, next);
    if (mode === 'off') return next();
    const persisted = persistedQueryOf(carried.extensions);
    if (persisted && carried.extensions) {
      const document = persisted.version === 1 && carried.queries.length === 0 ? manifest?.byId(persisted.sha256Hash) : undefined;
      if (document) {
        carried.rewrite({ query: document.text, extensions: withoutPersistedQuery(carried.extensions) });
        return next();
      }
      const bare = withBareHash(carried.extensions, persisted);
      if (bare) carried.rewrite({ extensions: bare });
    }
    if (mode === 'require' && carried.queries.some((text) => typeof text === 'string' && !allowedText(text))) {
      refuse(res, HTTP_STATUS.PERSISTED_QUERY_NOT_IN_LIST, ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, NOT_IN_LIST);
      return;
    }
    next();
  };
}

import type { NextFunction, Request, Response } from 'express';
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import type { QueryCaps } from '../config';
import { ErrorCode } from '../errors';

/**
 * How deep brackets may nest in a query text ({ [ ( together). graphql-js parses by recursion,
 * so a client nesting thousands of levels would overflow the stack ("Maximum call stack size
 * exceeded"); no legitimate operation comes near this (the full introspection query nests 10).
 * Variables need no such cap: JSON.parse, graphql's coercion of scalars and the input rules
 * (src/validation) walk them without recursion on their depth.
 */
export const MAX_NESTING = 64;

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

export interface TextProblem {
  readonly message: string;
  readonly extensions: Record<string, unknown>;
}

/**
 * Counts the tokens of a query text and how deep its brackets nest, with graphql's own lexer
 * (linear, no recursion: strings and comments are skipped as the parser would) and stops at
 * the first cap passed. A syntax error is left for the parser to report.
 */
export function scanQueryText(text: string, maxTokens: number): TextProblem | undefined {
  const lexer = new Lexer(new Source(text));
  let tokens = 0;
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) {
        return {
          message: `The query has more than ${maxTokens} tokens (names, punctuation, values); split it into smaller operations.`,
          extensions: { maxTokens },
        };
      }
      if (OPENING.has(token.kind) && ++depth > MAX_NESTING) {
        return {
          message: `The query nests brackets more than ${MAX_NESTING} levels deep; no operation of this API needs that many.`,
          extensions: { maxNesting: MAX_NESTING },
        };
      }
      if (CLOSING.has(token.kind)) depth--;
    }
  } catch (error) {
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  return undefined;
}

/** The query text of a GraphQL-over-HTTP request: the JSON body's, or GET's parameter. */
function queryText(req: Request): unknown {
  if (req.method === 'GET') return req.query.query;
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && 'query' in body ? body.query : undefined;
}

/**
 * Refuses a query text over the token or nesting cap before Apollo parses it (the parser
 * itself is recursive). Automatic persisted queries were checked here when first sent.
 */
export function queryTextGuard(caps: QueryCaps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const text = queryText(req);
    const problem = typeof text === 'string' ? scanQueryText(text, caps.tokens) : undefined;
    if (!problem) {
      next();
      return;
    }
    res.status(400).json({
      errors: [{ message: problem.message, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, ...problem.extensions, requestId: res.locals.requestId } }],
    });
  };
}

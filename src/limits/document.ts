import type { NextFunction, Request, Response } from 'express';
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import type { QueryCaps } from '../config';
import { ErrorCode, GatewayError } from '../errors';

/**
 * How deep brackets may nest in a query text ({ [ ( together), and objects and lists in a
 * variable's value. graphql-js parses and coerces by recursion, so a client nesting thousands
 * of levels would overflow the stack ("Maximum call stack size exceeded"); no legitimate
 * operation comes near this (the full introspection query nests 10).
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

/**
 * Refuses variable values nested deeper than MAX_NESTING, without recursion, before graphql
 * coerces them and the validators walk them. The field named is the variable's (or, for an
 * input object, the first field below it), as other input errors name theirs.
 */
export function checkVariableNesting(variables: Readonly<Record<string, unknown>> | undefined): void {
  if (!variables) return;
  interface Item {
    readonly value: unknown;
    readonly depth: number;
    readonly path: readonly string[];
  }
  const stack: Item[] = Object.entries(variables).map(([name, value]) => ({ value, depth: 0, path: [name] }));
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, depth, path } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_NESTING) {
      const field = path[1] ?? path[0];
      const message = `${field} is nested more than ${MAX_NESTING} levels deep (objects and lists); send a flatter value`;
      // Refused before execution, so the whole request fails: 400 as for any invalid variable.
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, message, { validationErrors: [{ field, message }] }, true);
    }
    // Only the first two names of a path are ever reported: deeper items keep their parent's.
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((child, index) => [String(index), child]) : Object.entries(value);
    for (const [key, child] of entries) stack.push({ value: child, depth: depth + 1, path: path.length < 2 ? [...path, key] : path });
  }
}

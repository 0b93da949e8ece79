import type { ApolloServer } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Request, Response } from 'express';
import type { GraphQLContext } from '../context';
import type { RestOperation } from './operations';
import { fromGraphQLError, RestError } from './rest-error';

/** Makes a request's GraphQL context: the very factory the /graphql endpoint uses. */
export type ContextFactory = (req: Request, res: Response) => Promise<GraphQLContext>;

export interface RestDeps {
  readonly apollo: ApolloServer<GraphQLContext>;
  readonly contextFor: ContextFactory;
  readonly bodyLimitBytes: number;
}

/** The REST response writes its own body. */
const SKIPPED_HEADERS = new Set(['content-type', 'content-length']);

function headerMap(req: Request): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * Runs one fixed operation in the given context and returns its data, or throws the RestError
 * its first error maps to. The HTTP request's head is passed along so plugins that look at it
 * (client address, headers) see the REST request as they would a GraphQL one.
 */
export async function runOperation(
  deps: RestDeps,
  req: Request,
  res: Response,
  contextValue: GraphQLContext,
  operation: RestOperation,
  variables: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const queryAt = req.originalUrl.indexOf('?');
  const response = await deps.apollo.executeOperation(
    {
      query: operation.query,
      operationName: operation.operationName,
      variables,
      http: { method: 'POST', headers: headerMap(req), search: queryAt >= 0 ? req.originalUrl.slice(queryAt) : '', body: undefined },
    },
    { contextValue },
  );
  // Headers the plugins set (rate-limit budget, Retry-After) reach REST clients too.
  for (const [name, value] of response.http.headers) {
    if (!SKIPPED_HEADERS.has(name)) res.setHeader(name, value);
  }
  if (response.body.kind !== 'single') throw RestError.internal();
  const { data, errors } = response.body.singleResult;
  const first = errors?.[0];
  if (first) throw fromGraphQLError(first, response.http.headers.get('retry-after'));
  if (!data) throw RestError.internal();
  return data;
}

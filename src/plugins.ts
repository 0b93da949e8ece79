import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import { Kind } from 'graphql';
import type { GraphQLContext } from './context';
import { rememberErrorScope } from './errors';

/**
 * The one "is this only introspection?" check: a query whose root selections are all
 * meta-fields (`__schema`, `__type`, `__typename`). The schema is public; nothing else is.
 */
export function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'query' &&
    operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'))
  );
}

/**
 * Every operation needs a valid API key, except a pure introspection query (the schema is
 * public), so Sandbox and codegen can load the schema before a key is entered. A missing or
 * bad key fails the whole request with HTTP 401 before anything runs.
 */
export const requireApiKey: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue, operation }) {
        if (operation && isIntrospectionOnly(operation)) return;
        // The one gate: throws the refusal the context factory decided (401, 429 or 503).
        contextValue.requireTenant();
      },
    };
  },
};

/**
 * Every answer is one tenant's data: never cacheable. Apollo's cache-control plugin said so
 * (`no-store`) but, to do it, hooks every field of every response (willResolveField makes
 * Apollo wrap each resolver), which cost a measurable share of a list's CPU (bench/results).
 * It is disabled in server.ts and the header is set here, once per response.
 */
export const noStore: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
      },
    };
  },
};

/**
 * Tells formatError which request each error belongs to (its id and logger), so an internal
 * error is logged under the request id that the masked answer carries. Apollo calls
 * didEncounterErrors before it formats the errors.
 */
export const errorScope: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart({ contextValue }) {
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          rememberErrorScope(error, contextValue);
          rememberErrorScope(error.originalError, contextValue);
        }
      },
    };
  },
};

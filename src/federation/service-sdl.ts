import type { GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { Config } from '../config';
import { ErrorCode, GatewayError } from '../errors';

/**
 * Whether `_service { sdl }` is answered: always outside production; in production only when
 * the schema is public anyway (GRAPHQL_INTROSPECTION=true) or the operator says so
 * (FEDERATION_SDL=true), since the SDL is the whole schema, as introspection would give it.
 */
export function servesSubgraphSdl(config: Pick<Config, 'production' | 'introspection' | 'federationSdl'>): boolean {
  return !config.production || config.introspection || config.federationSdl;
}

const REFUSAL =
  'The subgraph schema (_service) is not served by this production gateway: its operator can set FEDERATION_SDL=true (or GRAPHQL_INTROSPECTION=true); a supergraph can also be composed from schema/subgraph.graphql, which the project publishes.';

/**
 * The schema as this gateway serves it: `_service` refuses with FORBIDDEN when the SDL is not
 * served. A copy (mapSchema): the built schema is shared by every gateway of the process.
 */
export function applySubgraphSdlPolicy(schema: GraphQLSchema, config: Pick<Config, 'production' | 'introspection' | 'federationSdl'>): GraphQLSchema {
  if (servesSubgraphSdl(config)) return schema;
  return mapSchema(schema, {
    [MapperKind.QUERY_ROOT_FIELD]: (field, fieldName) =>
      fieldName === '_service'
        ? {
            ...field,
            resolve: () => {
              throw new GatewayError(ErrorCode.FORBIDDEN, REFUSAL);
            },
          }
        : field,
  });
}

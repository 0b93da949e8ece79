import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLArgument, GraphQLField, GraphQLFieldResolver, GraphQLInputField, GraphQLSchema } from 'graphql';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, parse } from 'graphql';
import { createResolversMap } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { checkRepresentations, MAX_REPRESENTATIONS } from './entities';

/**
 * The Federation 2 version the subgraph declares, and what it imports: only `@key` (Customer
 * is the one entity). v2.3 is understood by every Apollo Router 1.x and 2.x and by
 * @apollo/gateway 2.x.
 */
export const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

/** How each entity type is found from its representation: `{ __typename, ...key fields }`. */
export type ReferenceResolvers = Readonly<Record<string, (reference: { id: string }, context: GraphQLContext) => unknown>>;

/**
 * TypeGraphQL 2's federation pattern: the schema TypeGraphQL built is printed with its
 * directives (`@key` on Customer), given to @apollo/subgraph with TypeGraphQL's resolvers and
 * the entities' reference resolvers, which adds `_service { sdl }`, `_entities` and the
 * `_Entity` union. Then `_entities` checks its representations before any of them is looked
 * up, and the federation types get the descriptions every type of this API carries.
 */
export function buildSubgraph(schema: GraphQLSchema, references: ReferenceResolvers): GraphQLSchema {
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, resolveReference] of Object.entries(references)) {
    const own = resolvers[typeName];
    if (!own || isScalarType(own)) throw new Error(`federation: ${typeName} is not an object type of the schema`);
    resolvers[typeName] = { ...own, __resolveReference: resolveReference as GraphQLFieldResolver<unknown, unknown> };
  }
  const subgraph = buildSubgraphSchema({ typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`), resolvers });
  restoreFromSource(subgraph, schema);
  guardEntities(subgraph, new Set(Object.keys(references)));
  describeFederation(subgraph);
  return subgraph;
}

/**
 * The round trip through SDL keeps names, types and descriptions, but not what only lives on
 * TypeGraphQL's graphql-js objects: default values in an enum's internal value (`status:
 * ActivityStatus = ALL` must reach the resolver as `'all'`, not `'ALL'`), and the fields'
 * and arguments' `extensions` (TypeGraphQL's `complexity`, any `@Extensions`). Both are copied
 * back from the schema TypeGraphQL built.
 */
function restoreFromSource(subgraph: GraphQLSchema, source: GraphQLSchema): void {
  const restoreArgs = (target: readonly GraphQLArgument[], from: readonly GraphQLArgument[]) => {
    for (const arg of target) {
      const original = from.find((a) => a.name === arg.name);
      if (!original) continue;
      arg.defaultValue = original.defaultValue;
      arg.extensions = original.extensions;
    }
  };
  for (const type of Object.values(subgraph.getTypeMap())) {
    const original = source.getType(type.name);
    if (!original || type.name.startsWith('__')) continue;
    if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(original) || isInterfaceType(original))) {
      const fields: Record<string, GraphQLField<unknown, unknown>> = original.getFields();
      for (const field of Object.values(type.getFields())) {
        const from = fields[field.name];
        if (!from) continue;
        field.extensions = from.extensions;
        restoreArgs(field.args, from.args);
      }
    } else if (isInputObjectType(type) && isInputObjectType(original)) {
      const fields: Record<string, GraphQLInputField> = original.getFields();
      for (const field of Object.values(type.getFields())) {
        const from = fields[field.name];
        if (!from) continue;
        field.defaultValue = from.defaultValue;
        field.extensions = from.extensions;
      }
    }
  }
}

/** Representations are refused as a whole (cap, shape) before any is looked up. */
function guardEntities(subgraph: GraphQLSchema, entities: ReadonlySet<string>): void {
  const field = subgraph.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) throw new Error('federation: the subgraph schema has no _entities resolver');
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    checkRepresentations(args.representations, entities);
    return resolve(source, args, context, info);
  };
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  _Any: 'A representation of an entity, as a router sends it to `_entities`: `{"__typename": "Customer", "id": "<the customer\'s id>"}`.',
  _Entity: 'The types this subgraph resolves by key for a router (Apollo Federation 2): Customer, by id.',
  _Service: 'This subgraph, as a router or gateway composing a supergraph sees it (Apollo Federation 2).',
  'link__Import': 'An element a schema imports from a specification it links (`@link(import:)`): Apollo Federation 2.',
  'link__Purpose': 'Why a schema links a specification (`@link(for:)`): Apollo Federation 2.',
  'federation__FieldSet': 'A selection of fields, e.g. the key fields of an entity (`@key(fields: "id")`): Apollo Federation 2.',
};

const LINK_PURPOSES: Readonly<Record<string, string>> = {
  SECURITY: 'The linked specification is about who may read the schema\'s elements.',
  EXECUTION: 'The linked specification changes how operations execute.',
};

/** The federation types and fields carry descriptions too: they ship in the schema like the rest. */
function describeFederation(subgraph: GraphQLSchema): void {
  for (const [name, description] of Object.entries(DESCRIPTIONS)) {
    const type = subgraph.getType(name);
    if (type) type.description = description;
  }
  const purpose = subgraph.getType('link__Purpose');
  if (isEnumType(purpose)) for (const value of purpose.getValues()) value.description = LINK_PURPOSES[value.name] ?? null;
  const service = subgraph.getType('_Service');
  if (isObjectType(service)) {
    const sdl = service.getFields().sdl;
    if (sdl) sdl.description = 'The subgraph schema in Federation 2 SDL (with `@key` and `@link`), for composing a supergraph.';
  }
  const query = subgraph.getQueryType()?.getFields();
  if (query?._service) {
    query._service.description =
      'This subgraph\'s schema, for a router or gateway. Needs an API key; in production served only when GRAPHQL_INTROSPECTION=true or FEDERATION_SDL=true (else FORBIDDEN).';
  }
  const entities = query?._entities;
  if (entities) {
    entities.description =
      'Customers by their key, for a router (Apollo Federation 2): one per representation, in order, in the organization and environment of the API key. Any other id gives null and a NOT_FOUND error at its position.';
    const representations = entities.args.find((arg) => arg.name === 'representations');
    if (representations) representations.description = `The customers to resolve, {"__typename": "Customer", "id": "<uuid>"} each; at most ${MAX_REPRESENTATIONS}.`;
  }
}

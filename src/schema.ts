import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { graphql, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CustomerConnectionResolver, TransactionConnectionResolver } from './customers/connection.resolver';
import { CustomerPageResolver, PaginationResolver } from './customers/customer-page.resolver';
import { CustomerResolver } from './customers/customer.resolver';
import type { GraphQLContext } from './context';
import { buildSubgraph } from './federation/subgraph';
import { validateArgument } from './validation/validate';

let built: Promise<GraphQLSchema> | undefined;

/**
 * The gateway's schema, built once per process from the TypeGraphQL classes: a Federation 2
 * subgraph (src/federation/subgraph.ts), whose one entity, Customer, a router resolves by id
 * exactly as `customer(id)` does (the caller's tenant, the per-request loader).
 */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [CustomerResolver, CustomerPageResolver, PaginationResolver, CustomerConnectionResolver, TransactionConnectionResolver],
    // Inputs are trimmed, then checked with their class-validator rules (see validateArgument).
    validateFn: validateArgument,
  }).then((schema) =>
    buildSubgraph(describeRootTypes(schema), {
      Customer: (reference, context: GraphQLContext) => context.customers().get(reference.id),
    }),
  );
  return built;
}

/** TypeGraphQL has no option for the root types' descriptions; they ship in Sandbox too. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) query.description = 'Reads, scoped to the organization and environment of the API key.';
  if (mutation) mutation.description = 'Changes, scoped to the organization and environment of the API key.';
  return schema;
}

/** The SDL committed as schema/schema.graphql: sorted, so it diffs cleanly. */
export async function emittedSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildGatewaySchema())) + '\n';
}

/**
 * The subgraph SDL `_service { sdl }` answers (Federation 2, with `@link` and `@key`), committed
 * as schema/subgraph.graphql: a supergraph can be composed from the file, e.g. where a
 * production gateway does not serve it (FEDERATION_SDL).
 */
export async function subgraphSdl(): Promise<string> {
  const result = await graphql({ schema: await buildGatewaySchema(), source: '{ _service { sdl } }' });
  const sdl: unknown = result.data?._service && typeof result.data._service === 'object' ? (result.data._service as Record<string, unknown>).sdl : undefined;
  if (typeof sdl !== 'string') throw new Error(`the subgraph SDL could not be read: ${result.errors?.map((e) => e.message).join('; ') ?? 'no sdl'}`);
  return sdl.endsWith('\n') ? sdl : `${sdl}\n`;
}

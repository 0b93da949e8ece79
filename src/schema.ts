import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CustomerConnectionResolver, TransactionConnectionResolver } from './customers/connection.resolver';
import { CustomerPageResolver, PaginationResolver } from './customers/customer-page.resolver';
import { CustomerResolver } from './customers/customer.resolver';
import { validateArgument } from './validation/validate';

let built: Promise<GraphQLSchema> | undefined;

/** The gateway's schema, built once per process from the TypeGraphQL classes. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [CustomerResolver, CustomerPageResolver, PaginationResolver, CustomerConnectionResolver, TransactionConnectionResolver],
    // Inputs are trimmed, then checked with their class-validator rules (see validateArgument).
    validateFn: validateArgument,
  }).then(describeRootTypes);
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

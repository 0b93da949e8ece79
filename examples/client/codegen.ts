import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for an app that calls the customers gateway (GraphQL Code Generator's
 * client preset). `npx graphql-codegen` writes src/gql/; run it again when the operations or
 * the gateway's schema change.
 */
const config: CodegenConfig = {
  // The gateway itself (introspection needs no API key outside production), or the schema
  // file the gateway publishes (schema/schema.graphql in its repository).
  schema: process.env.GATEWAY_SCHEMA ?? 'http://localhost:4000/graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      config: {
        // The gateway's custom scalars as they arrive in JSON.
        scalars: {
          DateTimeISO: 'string', // ISO 8601, e.g. 2026-11-30T12:00:00.000Z
          Decimal: 'string', // exact amounts as decimal strings, e.g. "1500.50"
          JSONObject: 'Record<string, unknown>', // customer metadata
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;

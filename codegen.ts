import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests' operations, from the committed schema. Regenerate with
 * `npm run codegen`; CI fails when the committed output differs.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/operations/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTimeISO: 'string', JSONObject: 'Record<string, unknown>', ID: 'string' },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        useTypeImports: true,
      },
    },
  },
  hooks: { afterAllFileWrite: [] },
};

export default config;

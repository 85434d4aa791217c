/**
 * GraphQL Code Generator's client preset, from the committed SDL
 * (schema/schema.graphql) only: every operation in the web app (src/) and in
 * the Node SDK (sdk/operations.ts) becomes a typed document. Generated code is
 * committed; `npm run web:codegen` rewrites it and web-client/codegen.test.ts
 * fails when it is stale. Paths are relative to the repository root.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const typesConfig = {
  useTypeImports: true,
  // String unions rather than TypeScript enums: nothing of the schema is emitted as runtime code but the documents.
  enumsAsTypes: true,
  // Only the types the documents use: a schema change elsewhere leaves the generated code as it is (the staleness test then only fails for what this code reads).
  onlyOperationTypes: true,
  scalars: { Date: 'string', DateTime: 'string' },
  avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
};

export const codegenConfig: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: false,
  importExtension: '.ts',
  generates: {
    'web-client/src/gql/': {
      documents: ['web-client/src/**/*.{ts,tsx}', '!web-client/src/gql/**', '!web-client/src/**/*.test.ts'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
    'web-client/sdk/gql/': {
      documents: ['web-client/sdk/operations.ts'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
  },
};

export default codegenConfig;

/** The typed Node SDK: the client, the SDK's typed documents, and `graphql()` to type any other operation. */
export { createPlatformClient, GraphQLRequestError, type PlatformClient, type PlatformClientOptions } from './client.ts';
export * from './operations.ts';
export { graphql } from './gql/index.ts';
export type * from './gql/graphql.ts';

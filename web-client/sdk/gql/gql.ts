/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query SdkSymbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n": typeof types.SdkSymbolsDocument,
    "\n  query SdkExpiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      lastSnapshotAt\n    }\n  }\n": typeof types.SdkExpiriesDocument,
    "\n  query SdkOptionChain($symbol: String!, $expiry: Date) {\n    optionChain(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        maxPain\n        atmStrike\n        atmIv\n        expectedMove\n      }\n      rows {\n        strike\n        call {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n        put {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n      }\n    }\n  }\n": typeof types.SdkOptionChainDocument,
    "\n  subscription SdkChainUpdated($symbol: String!, $expiry: Date) {\n    chainUpdated(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        atmIv\n      }\n    }\n  }\n": typeof types.SdkChainUpdatedDocument,
};
const documents: Documents = {
    "\n  query SdkSymbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n": types.SdkSymbolsDocument,
    "\n  query SdkExpiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      lastSnapshotAt\n    }\n  }\n": types.SdkExpiriesDocument,
    "\n  query SdkOptionChain($symbol: String!, $expiry: Date) {\n    optionChain(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        maxPain\n        atmStrike\n        atmIv\n        expectedMove\n      }\n      rows {\n        strike\n        call {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n        put {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n      }\n    }\n  }\n": types.SdkOptionChainDocument,
    "\n  subscription SdkChainUpdated($symbol: String!, $expiry: Date) {\n    chainUpdated(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        atmIv\n      }\n    }\n  }\n": types.SdkChainUpdatedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SdkSymbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n"): (typeof documents)["\n  query SdkSymbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SdkExpiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      lastSnapshotAt\n    }\n  }\n"): (typeof documents)["\n  query SdkExpiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      lastSnapshotAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SdkOptionChain($symbol: String!, $expiry: Date) {\n    optionChain(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        maxPain\n        atmStrike\n        atmIv\n        expectedMove\n      }\n      rows {\n        strike\n        call {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n        put {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SdkOptionChain($symbol: String!, $expiry: Date) {\n    optionChain(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        maxPain\n        atmStrike\n        atmIv\n        expectedMove\n      }\n      rows {\n        strike\n        call {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n        put {\n          ltp\n          previousClose\n          change\n          oi\n          iv\n          delta\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SdkChainUpdated($symbol: String!, $expiry: Date) {\n    chainUpdated(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        atmIv\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription SdkChainUpdated($symbol: String!, $expiry: Date) {\n    chainUpdated(symbol: $symbol, expiry: $expiry) {\n      symbol\n      expiry\n      timestamp\n      spot\n      analytics {\n        pcrOi\n        atmIv\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
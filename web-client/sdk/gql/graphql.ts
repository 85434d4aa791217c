/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type SdkSymbolsQueryVariables = Exact<{ [key: string]: never; }>;


export type SdkSymbolsQuery = { symbols: Array<{ symbol: string, exchange: string, lotSize: number, strikeStep: number }> };

export type SdkExpiriesQueryVariables = Exact<{
  symbol: string;
}>;


export type SdkExpiriesQuery = { expiryList: Array<{ date: string, hasData: boolean, lastSnapshotAt: string | null }> };

export type SdkOptionChainQueryVariables = Exact<{
  symbol: string;
  expiry?: string | null | undefined;
}>;


export type SdkOptionChainQuery = { optionChain: { symbol: string, expiry: string, timestamp: string, spot: number, analytics: { pcrOi: number | null, maxPain: number | null, atmStrike: number | null, atmIv: number | null, expectedMove: number | null }, rows: Array<{ strike: number, call: { ltp: number | null, oi: number | null, iv: number | null, delta: number | null } | null, put: { ltp: number | null, oi: number | null, iv: number | null, delta: number | null } | null }> } | null };

export type SdkChainUpdatedSubscriptionVariables = Exact<{
  symbol: string;
  expiry?: string | null | undefined;
}>;


export type SdkChainUpdatedSubscription = { chainUpdated: { symbol: string, expiry: string, timestamp: string, spot: number, analytics: { pcrOi: number | null, atmIv: number | null } } };


export const SdkSymbolsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SdkSymbols"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"symbols"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"exchange"}},{"kind":"Field","name":{"kind":"Name","value":"lotSize"}},{"kind":"Field","name":{"kind":"Name","value":"strikeStep"}}]}}]}}]} as unknown as DocumentNode<SdkSymbolsQuery, SdkSymbolsQueryVariables>;
export const SdkExpiriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SdkExpiries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"expiryList"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"symbol"},"value":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"hasData"}},{"kind":"Field","name":{"kind":"Name","value":"lastSnapshotAt"}}]}}]}}]} as unknown as DocumentNode<SdkExpiriesQuery, SdkExpiriesQueryVariables>;
export const SdkOptionChainDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SdkOptionChain"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expiry"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"optionChain"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"symbol"},"value":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}}},{"kind":"Argument","name":{"kind":"Name","value":"expiry"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expiry"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"expiry"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"spot"}},{"kind":"Field","name":{"kind":"Name","value":"analytics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pcrOi"}},{"kind":"Field","name":{"kind":"Name","value":"maxPain"}},{"kind":"Field","name":{"kind":"Name","value":"atmStrike"}},{"kind":"Field","name":{"kind":"Name","value":"atmIv"}},{"kind":"Field","name":{"kind":"Name","value":"expectedMove"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"strike"}},{"kind":"Field","name":{"kind":"Name","value":"call"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ltp"}},{"kind":"Field","name":{"kind":"Name","value":"oi"}},{"kind":"Field","name":{"kind":"Name","value":"iv"}},{"kind":"Field","name":{"kind":"Name","value":"delta"}}]}},{"kind":"Field","name":{"kind":"Name","value":"put"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ltp"}},{"kind":"Field","name":{"kind":"Name","value":"oi"}},{"kind":"Field","name":{"kind":"Name","value":"iv"}},{"kind":"Field","name":{"kind":"Name","value":"delta"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SdkOptionChainQuery, SdkOptionChainQueryVariables>;
export const SdkChainUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"SdkChainUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expiry"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chainUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"symbol"},"value":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}}},{"kind":"Argument","name":{"kind":"Name","value":"expiry"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expiry"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"expiry"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"spot"}},{"kind":"Field","name":{"kind":"Name","value":"analytics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pcrOi"}},{"kind":"Field","name":{"kind":"Name","value":"atmIv"}}]}}]}}]}}]} as unknown as DocumentNode<SdkChainUpdatedSubscription, SdkChainUpdatedSubscriptionVariables>;
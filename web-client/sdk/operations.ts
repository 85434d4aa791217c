/**
 * The SDK's operations, typed by GraphQL Code Generator's client preset from
 * schema/schema.graphql into ./gql (regenerated with `npm run web:codegen`;
 * web-client/codegen.test.ts fails when it is stale). Any other operation can
 * be typed the same way with `graphql()` from './gql/index.ts'.
 */
import { graphql } from './gql/index.ts';

export const SymbolsDocument = graphql(`
  query SdkSymbols {
    symbols {
      symbol
      exchange
      lotSize
      strikeStep
    }
  }
`);

export const ExpiriesDocument = graphql(`
  query SdkExpiries($symbol: String!) {
    expiryList(symbol: $symbol) {
      date
      hasData
      lastSnapshotAt
    }
  }
`);

export const OptionChainDocument = graphql(`
  query SdkOptionChain($symbol: String!, $expiry: Date) {
    optionChain(symbol: $symbol, expiry: $expiry) {
      symbol
      expiry
      timestamp
      spot
      analytics {
        pcrOi
        maxPain
        atmStrike
        atmIv
        expectedMove
      }
      rows {
        strike
        call {
          ltp
          previousClose
          change
          oi
          iv
          delta
        }
        put {
          ltp
          previousClose
          change
          oi
          iv
          delta
        }
      }
    }
  }
`);

export const ChainUpdatedDocument = graphql(`
  subscription SdkChainUpdated($symbol: String!, $expiry: Date) {
    chainUpdated(symbol: $symbol, expiry: $expiry) {
      symbol
      expiry
      timestamp
      spot
      analytics {
        pcrOi
        atmIv
      }
    }
  }
`);

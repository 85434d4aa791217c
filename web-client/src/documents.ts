/**
 * Every GraphQL operation of the app, typed by GraphQL Code Generator's client
 * preset (web-client/codegen.ts) from schema/schema.graphql. Run
 * `npm run web:codegen` after changing one.
 */
import { graphql } from './gql/index.ts';

export const SymbolsQuery = graphql(`
  query Symbols {
    symbols {
      symbol
      exchange
      lotSize
      strikeStep
    }
  }
`);

export const ExpiriesQuery = graphql(`
  query Expiries($symbol: String!) {
    expiryList(symbol: $symbol) {
      date
      hasData
      firstSnapshotAt
      lastSnapshotAt
    }
  }
`);

export const QuoteFieldsFragment = graphql(`
  fragment QuoteFields on OptionQuote {
    ltp
    change
    changePercent
    previousClose
    bid
    ask
    oi
    oiChange
    volume
    iv
    delta
    gamma
    theta
    vega
    rho
  }
`);

export const AnalyticsFieldsFragment = graphql(`
  fragment AnalyticsFields on ChainAnalytics {
    pcrOi
    pcrVolume
    maxPain
    atmStrike
    atmIv
    expectedMove
    straddlePrice
    totalGex
    gammaFlip
    callWall
    putWall
    totalCallOi
    totalPutOi
  }
`);

export const ChainDeltaSubscription = graphql(`
  subscription LiveChain($symbol: String!, $expiry: Date) {
    chainDelta(symbol: $symbol, expiry: $expiry) {
      full
      sequence
      previousSequence
      symbol
      expiry
      timestamp
      spot
      future
      vix
      lotSize
      timeToExpiryYears
      removedStrikes
      analytics {
        ...AnalyticsFields
      }
      changes {
        strike
        side
        quote {
          ...QuoteFields
        }
      }
    }
  }
`);

export const OptionCellQuery = graphql(`
  query OptionCellDetail($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!) {
    optionCell(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side) {
      symbol
      expiry
      strike
      side
      timestamp
      quote {
        ...QuoteFields
      }
      dayChange {
        ltpPoints
        oiContracts
        ivVolPoints
      }
      sessionIvHigh
      sessionIvLow
      session {
        bucket
        ivLast
        oiLast
        volumeLast
      }
      buildupHistory {
        timestamp
        oiContracts
        changeSinceOpenContracts
        buildups {
          kind
          windowMinutes
          oiChangeContracts
          priceChangePoints
        }
      }
    }
  }
`);

export const ZoneFieldsFragment = graphql(`
  fragment ZoneFields on Zone {
    lowStrike
    highStrike
    peakStrike
    strength
  }
`);

export const OiProfileQuery = graphql(`
  query OiProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {
    oiProfile(symbol: $symbol, expiry: $expiry, at: $at) {
      snapshot {
        expiry
        timestamp
      }
      spot
      maxPain
      pcrOi
      strikes {
        strike
        callOi
        putOi
        callOiChange
        putOiChange
      }
      support {
        lowStrike
        highStrike
        peakStrike
        strength
      }
      resistance {
        lowStrike
        highStrike
        peakStrike
        strength
      }
    }
  }
`);

export const IvSmileQuery = graphql(`
  query IvSmileChart($symbol: String!, $expiry: Date, $at: DateTime) {
    ivSmile(symbol: $symbol, expiry: $expiry, at: $at) {
      atmIv
      forward
      points {
        strike
        callIv
        putIv
        otmIv
        fittedIv
      }
    }
    termStructure(symbol: $symbol, at: $at) {
      expiry
      timeToExpiryYears
      atmIv
      forwardVol
    }
  }
`);

export const GexProfileQuery = graphql(`
  query GexProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {
    gexProfile(symbol: $symbol, expiry: $expiry, at: $at) {
      totalGex
      gammaFlip
      callWall
      putWall
      snapshot {
        spot
      }
      strikes {
        strike
        callGex
        putGex
        netGex
      }
    }
  }
`);

export const ChainSeriesQuery = graphql(`
  query IntradaySeries($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {
    chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval, fields: [SPOT, PCR_OI, MAX_PAIN, ATM_IV]) {
      buckets
      columns {
        field
        unit
        values
      }
    }
  }
`);

export const MoodQuery = graphql(`
  query Mood($symbol: String!) {
    marketMood(symbol: $symbol) {
      ...MoodFields
    }
    marketOverview {
      symbol
      spot
      dayChangePoints
      dayChangePercent
      atmIv
      ivRank
      pcrOi
      maxPain
      vix
      moodIndex
      moodBand
      expiry
    }
    analyticsEvents(first: 30) {
      edges {
        node {
          ...EventFields
        }
      }
    }
  }
`);

export const MoodFieldsFragment = graphql(`
  fragment MoodFields on MarketMood {
    symbol
    timestamp
    spot
    index
    band
    components {
      name
      score
      raw
      unit
      weight
      effectiveWeight
    }
  }
`);

export const EventFieldsFragment = graphql(`
  fragment EventFields on AnalyticsEvent {
    kind
    symbol
    expiry
    strike
    side
    score
    reason
    timestamp
  }
`);

export const EventsAtQuery = graphql(`
  query EventsAt($symbol: String!, $until: DateTime!) {
    analyticsEvents(symbols: [$symbol], until: $until, first: 30) {
      edges {
        node {
          ...EventFields
        }
      }
    }
  }
`);

export const MoodSubscription = graphql(`
  subscription MoodLive($symbol: String!) {
    moodUpdated(symbol: $symbol) {
      ...MoodFields
    }
  }
`);

export const EventsSubscription = graphql(`
  subscription EventsLive {
    marketEvents {
      ...EventFields
    }
  }
`);

export const PlaybackSubscription = graphql(`
  subscription Playback($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $speed: Float) {
    playback(symbol: $symbol, expiry: $expiry, from: $from, to: $to, speed: $speed) {
      position
      total
      timestamp
      chain {
        symbol
        expiry
        timestamp
        spot
        future
        vix
        lotSize
        timeToExpiryYears
        analytics {
          ...AnalyticsFields
        }
        rows {
          strike
          call {
            ...QuoteFields
          }
          put {
            ...QuoteFields
          }
        }
      }
      mood {
        ...MoodFields
      }
    }
  }
`);

export const StrategyTemplatesQuery = graphql(`
  query StrategyTemplates {
    strategyTemplates {
      name
      label
      description
      needsFarExpiry
    }
  }
`);

export const StrategyTemplateQuery = graphql(`
  query StrategyTemplateLegs($symbol: String!, $name: String!, $expiry: Date!, $farExpiry: Date, $widthStrikes: Int, $lots: Int) {
    strategyTemplate(symbol: $symbol, name: $name, expiry: $expiry, farExpiry: $farExpiry, widthStrikes: $widthStrikes, lots: $lots) {
      instrument
      action
      right
      strike
      expiry
      lots
    }
  }
`);

export const StrategyResultFieldsFragment = graphql(`
  fragment StrategyResultFields on StrategyResult {
    symbol
    spot
    valuedAt
    atmIv
    netPremium
    netPremiumKind
    pnlNow
    smileAvailable
    spots
    horizons {
      kind
      at
      pnl
      maxProfit
      maxProfitUnlimited
      maxLoss
      maxLossUnlimited
      breakevens {
        spot
        touchProbability
      }
      lognormal {
        probabilityOfProfit
        expectedPnl
      }
      smileImplied {
        probabilityOfProfit
        expectedPnl
      }
    }
    legs {
      index
      entryPrice
      iv
      lotSize
      units
      valueNow
      pnlNow
    }
    greeks {
      value
      delta
      gamma
      theta
      vega
      rho
    }
    margin {
      totalRupees
      spanRupees
      exposureRupees
      premiumRupees
      hedgeBenefitRupees
    }
  }
`);

export const StrategyQuery = graphql(`
  query Strategy($input: StrategyInput!) {
    strategy(input: $input) {
      ...StrategyResultFields
    }
  }
`);

export const StrategySubscription = graphql(`
  subscription StrategyLive($input: StrategyInput!) {
    strategyUpdated(input: $input) {
      ...StrategyResultFields
    }
  }
`);

export const SessionFieldsFragment = graphql(`
  fragment SessionFields on AuthSession {
    accessToken
    accessTokenExpiresAt
    refreshToken
    user {
      id
      email
    }
  }
`);

export const RegisterMutation = graphql(`
  mutation Register($email: String!, $password: String!) {
    register(email: $email, password: $password) {
      ...SessionFields
    }
  }
`);

export const LoginMutation = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      ...SessionFields
    }
  }
`);

export const RefreshSessionMutation = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      ...SessionFields
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);

export const ApiKeyFieldsFragment = graphql(`
  fragment ApiKeyFields on ApiKey {
    id
    name
    prefix
    scopes
    createdAt
    lastUsedAt
    revokedAt
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      id
      email
      displayName
      role
      createdAt
      apiKeys {
        ...ApiKeyFields
      }
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {
    createApiKey(name: $name, scopes: $scopes) {
      key
      apiKey {
        ...ApiKeyFields
      }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      ...ApiKeyFields
    }
  }
`);

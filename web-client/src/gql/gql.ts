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
    "\n  query Symbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n": typeof types.SymbolsDocument,
    "\n  query Expiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      firstSnapshotAt\n      lastSnapshotAt\n    }\n  }\n": typeof types.ExpiriesDocument,
    "\n  fragment QuoteFields on OptionQuote {\n    ltp\n    change\n    changePercent\n    previousClose\n    bid\n    ask\n    oi\n    oiChange\n    volume\n    iv\n    delta\n    gamma\n    theta\n    vega\n    rho\n  }\n": typeof types.QuoteFieldsFragmentDoc,
    "\n  fragment AnalyticsFields on ChainAnalytics {\n    pcrOi\n    pcrVolume\n    maxPain\n    atmStrike\n    atmIv\n    expectedMove\n    straddlePrice\n    totalGex\n    gammaFlip\n    callWall\n    putWall\n    totalCallOi\n    totalPutOi\n  }\n": typeof types.AnalyticsFieldsFragmentDoc,
    "\n  subscription LiveChain($symbol: String!, $expiry: Date) {\n    chainDelta(symbol: $symbol, expiry: $expiry) {\n      full\n      sequence\n      previousSequence\n      symbol\n      expiry\n      timestamp\n      spot\n      future\n      vix\n      lotSize\n      timeToExpiryYears\n      removedStrikes\n      analytics {\n        ...AnalyticsFields\n      }\n      changes {\n        strike\n        side\n        quote {\n          ...QuoteFields\n        }\n      }\n    }\n  }\n": typeof types.LiveChainDocument,
    "\n  query OptionCellDetail($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!) {\n    optionCell(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side) {\n      symbol\n      expiry\n      strike\n      side\n      timestamp\n      quote {\n        ...QuoteFields\n      }\n      dayChange {\n        ltpPoints\n        oiContracts\n        ivVolPoints\n      }\n      sessionIvHigh\n      sessionIvLow\n      session {\n        bucket\n        ivLast\n        oiLast\n        volumeLast\n      }\n      buildupHistory {\n        timestamp\n        oiContracts\n        changeSinceOpenContracts\n        buildups {\n          kind\n          windowMinutes\n          oiChangeContracts\n          priceChangePoints\n        }\n      }\n    }\n  }\n": typeof types.OptionCellDetailDocument,
    "\n  fragment ZoneFields on Zone {\n    lowStrike\n    highStrike\n    peakStrike\n    strength\n  }\n": typeof types.ZoneFieldsFragmentDoc,
    "\n  query OiProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    oiProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      snapshot {\n        expiry\n        timestamp\n      }\n      spot\n      maxPain\n      pcrOi\n      strikes {\n        strike\n        callOi\n        putOi\n        callOiChange\n        putOiChange\n      }\n      support {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n      resistance {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n    }\n  }\n": typeof types.OiProfileChartDocument,
    "\n  query IvSmileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    ivSmile(symbol: $symbol, expiry: $expiry, at: $at) {\n      atmIv\n      forward\n      points {\n        strike\n        callIv\n        putIv\n        otmIv\n        fittedIv\n      }\n    }\n    termStructure(symbol: $symbol, at: $at) {\n      expiry\n      timeToExpiryYears\n      atmIv\n      forwardVol\n    }\n  }\n": typeof types.IvSmileChartDocument,
    "\n  query GexProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    gexProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      totalGex\n      gammaFlip\n      callWall\n      putWall\n      snapshot {\n        spot\n      }\n      strikes {\n        strike\n        callGex\n        putGex\n        netGex\n      }\n    }\n  }\n": typeof types.GexProfileChartDocument,
    "\n  query IntradaySeries($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {\n    chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval, fields: [SPOT, PCR_OI, MAX_PAIN, ATM_IV]) {\n      buckets\n      columns {\n        field\n        unit\n        values\n      }\n    }\n  }\n": typeof types.IntradaySeriesDocument,
    "\n  query Mood($symbol: String!) {\n    marketMood(symbol: $symbol) {\n      ...MoodFields\n    }\n    marketOverview {\n      symbol\n      spot\n      dayChangePoints\n      dayChangePercent\n      atmIv\n      ivRank\n      pcrOi\n      maxPain\n      vix\n      moodIndex\n      moodBand\n      expiry\n    }\n    analyticsEvents(first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n": typeof types.MoodDocument,
    "\n  fragment MoodFields on MarketMood {\n    symbol\n    timestamp\n    spot\n    index\n    band\n    components {\n      name\n      score\n      raw\n      unit\n      weight\n      effectiveWeight\n    }\n  }\n": typeof types.MoodFieldsFragmentDoc,
    "\n  fragment EventFields on AnalyticsEvent {\n    kind\n    symbol\n    expiry\n    strike\n    side\n    score\n    reason\n    timestamp\n  }\n": typeof types.EventFieldsFragmentDoc,
    "\n  query EventsAt($symbol: String!, $until: DateTime!) {\n    analyticsEvents(symbols: [$symbol], until: $until, first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n": typeof types.EventsAtDocument,
    "\n  subscription MoodLive($symbol: String!) {\n    moodUpdated(symbol: $symbol) {\n      ...MoodFields\n    }\n  }\n": typeof types.MoodLiveDocument,
    "\n  subscription EventsLive {\n    marketEvents {\n      ...EventFields\n    }\n  }\n": typeof types.EventsLiveDocument,
    "\n  subscription Playback($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $speed: Float) {\n    playback(symbol: $symbol, expiry: $expiry, from: $from, to: $to, speed: $speed) {\n      position\n      total\n      timestamp\n      chain {\n        symbol\n        expiry\n        timestamp\n        spot\n        future\n        vix\n        lotSize\n        timeToExpiryYears\n        analytics {\n          ...AnalyticsFields\n        }\n        rows {\n          strike\n          call {\n            ...QuoteFields\n          }\n          put {\n            ...QuoteFields\n          }\n        }\n      }\n      mood {\n        ...MoodFields\n      }\n    }\n  }\n": typeof types.PlaybackDocument,
    "\n  query StrategyTemplates {\n    strategyTemplates {\n      name\n      label\n      description\n      needsFarExpiry\n    }\n  }\n": typeof types.StrategyTemplatesDocument,
    "\n  query StrategyTemplateLegs($symbol: String!, $name: String!, $expiry: Date!, $farExpiry: Date, $widthStrikes: Int, $lots: Int) {\n    strategyTemplate(symbol: $symbol, name: $name, expiry: $expiry, farExpiry: $farExpiry, widthStrikes: $widthStrikes, lots: $lots) {\n      instrument\n      action\n      right\n      strike\n      expiry\n      lots\n    }\n  }\n": typeof types.StrategyTemplateLegsDocument,
    "\n  fragment StrategyResultFields on StrategyResult {\n    symbol\n    spot\n    valuedAt\n    atmIv\n    netPremium\n    netPremiumKind\n    pnlNow\n    smileAvailable\n    spots\n    horizons {\n      kind\n      at\n      pnl\n      maxProfit\n      maxProfitUnlimited\n      maxLoss\n      maxLossUnlimited\n      breakevens {\n        spot\n        touchProbability\n      }\n      lognormal {\n        probabilityOfProfit\n        expectedPnl\n      }\n      smileImplied {\n        probabilityOfProfit\n        expectedPnl\n      }\n    }\n    legs {\n      index\n      entryPrice\n      iv\n      lotSize\n      units\n      valueNow\n      pnlNow\n    }\n    greeks {\n      value\n      delta\n      gamma\n      theta\n      vega\n      rho\n    }\n    margin {\n      totalRupees\n      spanRupees\n      exposureRupees\n      premiumRupees\n      hedgeBenefitRupees\n    }\n  }\n": typeof types.StrategyResultFieldsFragmentDoc,
    "\n  query Strategy($input: StrategyInput!) {\n    strategy(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n": typeof types.StrategyDocument,
    "\n  subscription StrategyLive($input: StrategyInput!) {\n    strategyUpdated(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n": typeof types.StrategyLiveDocument,
    "\n  fragment SessionFields on AuthSession {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    user {\n      id\n      email\n    }\n  }\n": typeof types.SessionFieldsFragmentDoc,
    "\n  mutation Register($email: String!, $password: String!) {\n    register(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...SessionFields\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation Logout($refreshToken: String!) {\n    logout(refreshToken: $refreshToken)\n  }\n": typeof types.LogoutDocument,
    "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    createdAt\n    lastUsedAt\n    revokedAt\n  }\n": typeof types.ApiKeyFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      id\n      email\n      displayName\n      role\n      createdAt\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {\n    createApiKey(name: $name, scopes: $scopes) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      ...ApiKeyFields\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
};
const documents: Documents = {
    "\n  query Symbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n": types.SymbolsDocument,
    "\n  query Expiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      firstSnapshotAt\n      lastSnapshotAt\n    }\n  }\n": types.ExpiriesDocument,
    "\n  fragment QuoteFields on OptionQuote {\n    ltp\n    change\n    changePercent\n    previousClose\n    bid\n    ask\n    oi\n    oiChange\n    volume\n    iv\n    delta\n    gamma\n    theta\n    vega\n    rho\n  }\n": types.QuoteFieldsFragmentDoc,
    "\n  fragment AnalyticsFields on ChainAnalytics {\n    pcrOi\n    pcrVolume\n    maxPain\n    atmStrike\n    atmIv\n    expectedMove\n    straddlePrice\n    totalGex\n    gammaFlip\n    callWall\n    putWall\n    totalCallOi\n    totalPutOi\n  }\n": types.AnalyticsFieldsFragmentDoc,
    "\n  subscription LiveChain($symbol: String!, $expiry: Date) {\n    chainDelta(symbol: $symbol, expiry: $expiry) {\n      full\n      sequence\n      previousSequence\n      symbol\n      expiry\n      timestamp\n      spot\n      future\n      vix\n      lotSize\n      timeToExpiryYears\n      removedStrikes\n      analytics {\n        ...AnalyticsFields\n      }\n      changes {\n        strike\n        side\n        quote {\n          ...QuoteFields\n        }\n      }\n    }\n  }\n": types.LiveChainDocument,
    "\n  query OptionCellDetail($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!) {\n    optionCell(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side) {\n      symbol\n      expiry\n      strike\n      side\n      timestamp\n      quote {\n        ...QuoteFields\n      }\n      dayChange {\n        ltpPoints\n        oiContracts\n        ivVolPoints\n      }\n      sessionIvHigh\n      sessionIvLow\n      session {\n        bucket\n        ivLast\n        oiLast\n        volumeLast\n      }\n      buildupHistory {\n        timestamp\n        oiContracts\n        changeSinceOpenContracts\n        buildups {\n          kind\n          windowMinutes\n          oiChangeContracts\n          priceChangePoints\n        }\n      }\n    }\n  }\n": types.OptionCellDetailDocument,
    "\n  fragment ZoneFields on Zone {\n    lowStrike\n    highStrike\n    peakStrike\n    strength\n  }\n": types.ZoneFieldsFragmentDoc,
    "\n  query OiProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    oiProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      snapshot {\n        expiry\n        timestamp\n      }\n      spot\n      maxPain\n      pcrOi\n      strikes {\n        strike\n        callOi\n        putOi\n        callOiChange\n        putOiChange\n      }\n      support {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n      resistance {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n    }\n  }\n": types.OiProfileChartDocument,
    "\n  query IvSmileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    ivSmile(symbol: $symbol, expiry: $expiry, at: $at) {\n      atmIv\n      forward\n      points {\n        strike\n        callIv\n        putIv\n        otmIv\n        fittedIv\n      }\n    }\n    termStructure(symbol: $symbol, at: $at) {\n      expiry\n      timeToExpiryYears\n      atmIv\n      forwardVol\n    }\n  }\n": types.IvSmileChartDocument,
    "\n  query GexProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    gexProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      totalGex\n      gammaFlip\n      callWall\n      putWall\n      snapshot {\n        spot\n      }\n      strikes {\n        strike\n        callGex\n        putGex\n        netGex\n      }\n    }\n  }\n": types.GexProfileChartDocument,
    "\n  query IntradaySeries($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {\n    chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval, fields: [SPOT, PCR_OI, MAX_PAIN, ATM_IV]) {\n      buckets\n      columns {\n        field\n        unit\n        values\n      }\n    }\n  }\n": types.IntradaySeriesDocument,
    "\n  query Mood($symbol: String!) {\n    marketMood(symbol: $symbol) {\n      ...MoodFields\n    }\n    marketOverview {\n      symbol\n      spot\n      dayChangePoints\n      dayChangePercent\n      atmIv\n      ivRank\n      pcrOi\n      maxPain\n      vix\n      moodIndex\n      moodBand\n      expiry\n    }\n    analyticsEvents(first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n": types.MoodDocument,
    "\n  fragment MoodFields on MarketMood {\n    symbol\n    timestamp\n    spot\n    index\n    band\n    components {\n      name\n      score\n      raw\n      unit\n      weight\n      effectiveWeight\n    }\n  }\n": types.MoodFieldsFragmentDoc,
    "\n  fragment EventFields on AnalyticsEvent {\n    kind\n    symbol\n    expiry\n    strike\n    side\n    score\n    reason\n    timestamp\n  }\n": types.EventFieldsFragmentDoc,
    "\n  query EventsAt($symbol: String!, $until: DateTime!) {\n    analyticsEvents(symbols: [$symbol], until: $until, first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n": types.EventsAtDocument,
    "\n  subscription MoodLive($symbol: String!) {\n    moodUpdated(symbol: $symbol) {\n      ...MoodFields\n    }\n  }\n": types.MoodLiveDocument,
    "\n  subscription EventsLive {\n    marketEvents {\n      ...EventFields\n    }\n  }\n": types.EventsLiveDocument,
    "\n  subscription Playback($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $speed: Float) {\n    playback(symbol: $symbol, expiry: $expiry, from: $from, to: $to, speed: $speed) {\n      position\n      total\n      timestamp\n      chain {\n        symbol\n        expiry\n        timestamp\n        spot\n        future\n        vix\n        lotSize\n        timeToExpiryYears\n        analytics {\n          ...AnalyticsFields\n        }\n        rows {\n          strike\n          call {\n            ...QuoteFields\n          }\n          put {\n            ...QuoteFields\n          }\n        }\n      }\n      mood {\n        ...MoodFields\n      }\n    }\n  }\n": types.PlaybackDocument,
    "\n  query StrategyTemplates {\n    strategyTemplates {\n      name\n      label\n      description\n      needsFarExpiry\n    }\n  }\n": types.StrategyTemplatesDocument,
    "\n  query StrategyTemplateLegs($symbol: String!, $name: String!, $expiry: Date!, $farExpiry: Date, $widthStrikes: Int, $lots: Int) {\n    strategyTemplate(symbol: $symbol, name: $name, expiry: $expiry, farExpiry: $farExpiry, widthStrikes: $widthStrikes, lots: $lots) {\n      instrument\n      action\n      right\n      strike\n      expiry\n      lots\n    }\n  }\n": types.StrategyTemplateLegsDocument,
    "\n  fragment StrategyResultFields on StrategyResult {\n    symbol\n    spot\n    valuedAt\n    atmIv\n    netPremium\n    netPremiumKind\n    pnlNow\n    smileAvailable\n    spots\n    horizons {\n      kind\n      at\n      pnl\n      maxProfit\n      maxProfitUnlimited\n      maxLoss\n      maxLossUnlimited\n      breakevens {\n        spot\n        touchProbability\n      }\n      lognormal {\n        probabilityOfProfit\n        expectedPnl\n      }\n      smileImplied {\n        probabilityOfProfit\n        expectedPnl\n      }\n    }\n    legs {\n      index\n      entryPrice\n      iv\n      lotSize\n      units\n      valueNow\n      pnlNow\n    }\n    greeks {\n      value\n      delta\n      gamma\n      theta\n      vega\n      rho\n    }\n    margin {\n      totalRupees\n      spanRupees\n      exposureRupees\n      premiumRupees\n      hedgeBenefitRupees\n    }\n  }\n": types.StrategyResultFieldsFragmentDoc,
    "\n  query Strategy($input: StrategyInput!) {\n    strategy(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n": types.StrategyDocument,
    "\n  subscription StrategyLive($input: StrategyInput!) {\n    strategyUpdated(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n": types.StrategyLiveDocument,
    "\n  fragment SessionFields on AuthSession {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    user {\n      id\n      email\n    }\n  }\n": types.SessionFieldsFragmentDoc,
    "\n  mutation Register($email: String!, $password: String!) {\n    register(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n": types.LoginDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...SessionFields\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation Logout($refreshToken: String!) {\n    logout(refreshToken: $refreshToken)\n  }\n": types.LogoutDocument,
    "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    createdAt\n    lastUsedAt\n    revokedAt\n  }\n": types.ApiKeyFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      id\n      email\n      displayName\n      role\n      createdAt\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n": types.MeDocument,
    "\n  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {\n    createApiKey(name: $name, scopes: $scopes) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      ...ApiKeyFields\n    }\n  }\n": types.RevokeApiKeyDocument,
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
export function graphql(source: "\n  query Symbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n"): (typeof documents)["\n  query Symbols {\n    symbols {\n      symbol\n      exchange\n      lotSize\n      strikeStep\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Expiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      firstSnapshotAt\n      lastSnapshotAt\n    }\n  }\n"): (typeof documents)["\n  query Expiries($symbol: String!) {\n    expiryList(symbol: $symbol) {\n      date\n      hasData\n      firstSnapshotAt\n      lastSnapshotAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment QuoteFields on OptionQuote {\n    ltp\n    change\n    changePercent\n    previousClose\n    bid\n    ask\n    oi\n    oiChange\n    volume\n    iv\n    delta\n    gamma\n    theta\n    vega\n    rho\n  }\n"): (typeof documents)["\n  fragment QuoteFields on OptionQuote {\n    ltp\n    change\n    changePercent\n    previousClose\n    bid\n    ask\n    oi\n    oiChange\n    volume\n    iv\n    delta\n    gamma\n    theta\n    vega\n    rho\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AnalyticsFields on ChainAnalytics {\n    pcrOi\n    pcrVolume\n    maxPain\n    atmStrike\n    atmIv\n    expectedMove\n    straddlePrice\n    totalGex\n    gammaFlip\n    callWall\n    putWall\n    totalCallOi\n    totalPutOi\n  }\n"): (typeof documents)["\n  fragment AnalyticsFields on ChainAnalytics {\n    pcrOi\n    pcrVolume\n    maxPain\n    atmStrike\n    atmIv\n    expectedMove\n    straddlePrice\n    totalGex\n    gammaFlip\n    callWall\n    putWall\n    totalCallOi\n    totalPutOi\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveChain($symbol: String!, $expiry: Date) {\n    chainDelta(symbol: $symbol, expiry: $expiry) {\n      full\n      sequence\n      previousSequence\n      symbol\n      expiry\n      timestamp\n      spot\n      future\n      vix\n      lotSize\n      timeToExpiryYears\n      removedStrikes\n      analytics {\n        ...AnalyticsFields\n      }\n      changes {\n        strike\n        side\n        quote {\n          ...QuoteFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription LiveChain($symbol: String!, $expiry: Date) {\n    chainDelta(symbol: $symbol, expiry: $expiry) {\n      full\n      sequence\n      previousSequence\n      symbol\n      expiry\n      timestamp\n      spot\n      future\n      vix\n      lotSize\n      timeToExpiryYears\n      removedStrikes\n      analytics {\n        ...AnalyticsFields\n      }\n      changes {\n        strike\n        side\n        quote {\n          ...QuoteFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OptionCellDetail($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!) {\n    optionCell(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side) {\n      symbol\n      expiry\n      strike\n      side\n      timestamp\n      quote {\n        ...QuoteFields\n      }\n      dayChange {\n        ltpPoints\n        oiContracts\n        ivVolPoints\n      }\n      sessionIvHigh\n      sessionIvLow\n      session {\n        bucket\n        ivLast\n        oiLast\n        volumeLast\n      }\n      buildupHistory {\n        timestamp\n        oiContracts\n        changeSinceOpenContracts\n        buildups {\n          kind\n          windowMinutes\n          oiChangeContracts\n          priceChangePoints\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OptionCellDetail($symbol: String!, $expiry: Date!, $strike: Float!, $side: OptionSide!) {\n    optionCell(symbol: $symbol, expiry: $expiry, strike: $strike, side: $side) {\n      symbol\n      expiry\n      strike\n      side\n      timestamp\n      quote {\n        ...QuoteFields\n      }\n      dayChange {\n        ltpPoints\n        oiContracts\n        ivVolPoints\n      }\n      sessionIvHigh\n      sessionIvLow\n      session {\n        bucket\n        ivLast\n        oiLast\n        volumeLast\n      }\n      buildupHistory {\n        timestamp\n        oiContracts\n        changeSinceOpenContracts\n        buildups {\n          kind\n          windowMinutes\n          oiChangeContracts\n          priceChangePoints\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ZoneFields on Zone {\n    lowStrike\n    highStrike\n    peakStrike\n    strength\n  }\n"): (typeof documents)["\n  fragment ZoneFields on Zone {\n    lowStrike\n    highStrike\n    peakStrike\n    strength\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OiProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    oiProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      snapshot {\n        expiry\n        timestamp\n      }\n      spot\n      maxPain\n      pcrOi\n      strikes {\n        strike\n        callOi\n        putOi\n        callOiChange\n        putOiChange\n      }\n      support {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n      resistance {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n    }\n  }\n"): (typeof documents)["\n  query OiProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    oiProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      snapshot {\n        expiry\n        timestamp\n      }\n      spot\n      maxPain\n      pcrOi\n      strikes {\n        strike\n        callOi\n        putOi\n        callOiChange\n        putOiChange\n      }\n      support {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n      resistance {\n        lowStrike\n        highStrike\n        peakStrike\n        strength\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IvSmileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    ivSmile(symbol: $symbol, expiry: $expiry, at: $at) {\n      atmIv\n      forward\n      points {\n        strike\n        callIv\n        putIv\n        otmIv\n        fittedIv\n      }\n    }\n    termStructure(symbol: $symbol, at: $at) {\n      expiry\n      timeToExpiryYears\n      atmIv\n      forwardVol\n    }\n  }\n"): (typeof documents)["\n  query IvSmileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    ivSmile(symbol: $symbol, expiry: $expiry, at: $at) {\n      atmIv\n      forward\n      points {\n        strike\n        callIv\n        putIv\n        otmIv\n        fittedIv\n      }\n    }\n    termStructure(symbol: $symbol, at: $at) {\n      expiry\n      timeToExpiryYears\n      atmIv\n      forwardVol\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GexProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    gexProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      totalGex\n      gammaFlip\n      callWall\n      putWall\n      snapshot {\n        spot\n      }\n      strikes {\n        strike\n        callGex\n        putGex\n        netGex\n      }\n    }\n  }\n"): (typeof documents)["\n  query GexProfileChart($symbol: String!, $expiry: Date, $at: DateTime) {\n    gexProfile(symbol: $symbol, expiry: $expiry, at: $at) {\n      totalGex\n      gammaFlip\n      callWall\n      putWall\n      snapshot {\n        spot\n      }\n      strikes {\n        strike\n        callGex\n        putGex\n        netGex\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IntradaySeries($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {\n    chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval, fields: [SPOT, PCR_OI, MAX_PAIN, ATM_IV]) {\n      buckets\n      columns {\n        field\n        unit\n        values\n      }\n    }\n  }\n"): (typeof documents)["\n  query IntradaySeries($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {\n    chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval, fields: [SPOT, PCR_OI, MAX_PAIN, ATM_IV]) {\n      buckets\n      columns {\n        field\n        unit\n        values\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Mood($symbol: String!) {\n    marketMood(symbol: $symbol) {\n      ...MoodFields\n    }\n    marketOverview {\n      symbol\n      spot\n      dayChangePoints\n      dayChangePercent\n      atmIv\n      ivRank\n      pcrOi\n      maxPain\n      vix\n      moodIndex\n      moodBand\n      expiry\n    }\n    analyticsEvents(first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Mood($symbol: String!) {\n    marketMood(symbol: $symbol) {\n      ...MoodFields\n    }\n    marketOverview {\n      symbol\n      spot\n      dayChangePoints\n      dayChangePercent\n      atmIv\n      ivRank\n      pcrOi\n      maxPain\n      vix\n      moodIndex\n      moodBand\n      expiry\n    }\n    analyticsEvents(first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MoodFields on MarketMood {\n    symbol\n    timestamp\n    spot\n    index\n    band\n    components {\n      name\n      score\n      raw\n      unit\n      weight\n      effectiveWeight\n    }\n  }\n"): (typeof documents)["\n  fragment MoodFields on MarketMood {\n    symbol\n    timestamp\n    spot\n    index\n    band\n    components {\n      name\n      score\n      raw\n      unit\n      weight\n      effectiveWeight\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventFields on AnalyticsEvent {\n    kind\n    symbol\n    expiry\n    strike\n    side\n    score\n    reason\n    timestamp\n  }\n"): (typeof documents)["\n  fragment EventFields on AnalyticsEvent {\n    kind\n    symbol\n    expiry\n    strike\n    side\n    score\n    reason\n    timestamp\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventsAt($symbol: String!, $until: DateTime!) {\n    analyticsEvents(symbols: [$symbol], until: $until, first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query EventsAt($symbol: String!, $until: DateTime!) {\n    analyticsEvents(symbols: [$symbol], until: $until, first: 30) {\n      edges {\n        node {\n          ...EventFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MoodLive($symbol: String!) {\n    moodUpdated(symbol: $symbol) {\n      ...MoodFields\n    }\n  }\n"): (typeof documents)["\n  subscription MoodLive($symbol: String!) {\n    moodUpdated(symbol: $symbol) {\n      ...MoodFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EventsLive {\n    marketEvents {\n      ...EventFields\n    }\n  }\n"): (typeof documents)["\n  subscription EventsLive {\n    marketEvents {\n      ...EventFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Playback($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $speed: Float) {\n    playback(symbol: $symbol, expiry: $expiry, from: $from, to: $to, speed: $speed) {\n      position\n      total\n      timestamp\n      chain {\n        symbol\n        expiry\n        timestamp\n        spot\n        future\n        vix\n        lotSize\n        timeToExpiryYears\n        analytics {\n          ...AnalyticsFields\n        }\n        rows {\n          strike\n          call {\n            ...QuoteFields\n          }\n          put {\n            ...QuoteFields\n          }\n        }\n      }\n      mood {\n        ...MoodFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Playback($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $speed: Float) {\n    playback(symbol: $symbol, expiry: $expiry, from: $from, to: $to, speed: $speed) {\n      position\n      total\n      timestamp\n      chain {\n        symbol\n        expiry\n        timestamp\n        spot\n        future\n        vix\n        lotSize\n        timeToExpiryYears\n        analytics {\n          ...AnalyticsFields\n        }\n        rows {\n          strike\n          call {\n            ...QuoteFields\n          }\n          put {\n            ...QuoteFields\n          }\n        }\n      }\n      mood {\n        ...MoodFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StrategyTemplates {\n    strategyTemplates {\n      name\n      label\n      description\n      needsFarExpiry\n    }\n  }\n"): (typeof documents)["\n  query StrategyTemplates {\n    strategyTemplates {\n      name\n      label\n      description\n      needsFarExpiry\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StrategyTemplateLegs($symbol: String!, $name: String!, $expiry: Date!, $farExpiry: Date, $widthStrikes: Int, $lots: Int) {\n    strategyTemplate(symbol: $symbol, name: $name, expiry: $expiry, farExpiry: $farExpiry, widthStrikes: $widthStrikes, lots: $lots) {\n      instrument\n      action\n      right\n      strike\n      expiry\n      lots\n    }\n  }\n"): (typeof documents)["\n  query StrategyTemplateLegs($symbol: String!, $name: String!, $expiry: Date!, $farExpiry: Date, $widthStrikes: Int, $lots: Int) {\n    strategyTemplate(symbol: $symbol, name: $name, expiry: $expiry, farExpiry: $farExpiry, widthStrikes: $widthStrikes, lots: $lots) {\n      instrument\n      action\n      right\n      strike\n      expiry\n      lots\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StrategyResultFields on StrategyResult {\n    symbol\n    spot\n    valuedAt\n    atmIv\n    netPremium\n    netPremiumKind\n    pnlNow\n    smileAvailable\n    spots\n    horizons {\n      kind\n      at\n      pnl\n      maxProfit\n      maxProfitUnlimited\n      maxLoss\n      maxLossUnlimited\n      breakevens {\n        spot\n        touchProbability\n      }\n      lognormal {\n        probabilityOfProfit\n        expectedPnl\n      }\n      smileImplied {\n        probabilityOfProfit\n        expectedPnl\n      }\n    }\n    legs {\n      index\n      entryPrice\n      iv\n      lotSize\n      units\n      valueNow\n      pnlNow\n    }\n    greeks {\n      value\n      delta\n      gamma\n      theta\n      vega\n      rho\n    }\n    margin {\n      totalRupees\n      spanRupees\n      exposureRupees\n      premiumRupees\n      hedgeBenefitRupees\n    }\n  }\n"): (typeof documents)["\n  fragment StrategyResultFields on StrategyResult {\n    symbol\n    spot\n    valuedAt\n    atmIv\n    netPremium\n    netPremiumKind\n    pnlNow\n    smileAvailable\n    spots\n    horizons {\n      kind\n      at\n      pnl\n      maxProfit\n      maxProfitUnlimited\n      maxLoss\n      maxLossUnlimited\n      breakevens {\n        spot\n        touchProbability\n      }\n      lognormal {\n        probabilityOfProfit\n        expectedPnl\n      }\n      smileImplied {\n        probabilityOfProfit\n        expectedPnl\n      }\n    }\n    legs {\n      index\n      entryPrice\n      iv\n      lotSize\n      units\n      valueNow\n      pnlNow\n    }\n    greeks {\n      value\n      delta\n      gamma\n      theta\n      vega\n      rho\n    }\n    margin {\n      totalRupees\n      spanRupees\n      exposureRupees\n      premiumRupees\n      hedgeBenefitRupees\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Strategy($input: StrategyInput!) {\n    strategy(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n"): (typeof documents)["\n  query Strategy($input: StrategyInput!) {\n    strategy(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StrategyLive($input: StrategyInput!) {\n    strategyUpdated(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n"): (typeof documents)["\n  subscription StrategyLive($input: StrategyInput!) {\n    strategyUpdated(input: $input) {\n      ...StrategyResultFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionFields on AuthSession {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    user {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  fragment SessionFields on AuthSession {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    user {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($email: String!, $password: String!) {\n    register(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n"): (typeof documents)["\n  mutation Register($email: String!, $password: String!) {\n    register(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      ...SessionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...SessionFields\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...SessionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout($refreshToken: String!) {\n    logout(refreshToken: $refreshToken)\n  }\n"): (typeof documents)["\n  mutation Logout($refreshToken: String!) {\n    logout(refreshToken: $refreshToken)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    createdAt\n    lastUsedAt\n    revokedAt\n  }\n"): (typeof documents)["\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    prefix\n    scopes\n    createdAt\n    lastUsedAt\n    revokedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      email\n      displayName\n      role\n      createdAt\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      email\n      displayName\n      role\n      createdAt\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {\n    createApiKey(name: $name, scopes: $scopes) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {\n    createApiKey(name: $name, scopes: $scopes) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      ...ApiKeyFields\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      ...ApiKeyFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
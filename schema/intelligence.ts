/**
 * Chain intelligence: per (symbol, expiry) outputs of the analytics role
 * (support and resistance zones, reversal levels, OI buildups, per-strike OI
 * flow) and its events, as last stored (db/queries/readAnalytics.ts) and
 * live. Formulas, windows and thresholds are documented in core/intelligence
 * (zones.ts, buildups.ts, oiFlow.ts, unusual.ts).
 */
import { filter, pipe } from 'graphql-yoga';
import { builder, badArgument, dateArgument, dateTimeArgument, noData, readDatabase, DATABASE_READ_COST, type Context } from './builder.ts';
import { requireInstrument } from './market.ts';
import { connectionOf, connectionType, decodeCursor, encodeCursor } from './connections.ts';
import { istMidnight } from '../core/time/expiry.ts';
import { chainTopicKey } from './chain.ts';
import { LiquidityStressType, ChainVolatilityType } from './mood.ts';
import { eventsPage, expiriesWithAnalytics, latestFlows, type EventCursor } from '../db/queries/readAnalytics.ts';
import { loadersOf } from './loaders.ts';
import type {
  BuildupTotal,
  ChainIntelligence,
  IntelligenceEvent,
  IntelligenceEventKind,
  ReversalLevel,
  StrikeFlowRow,
  StrongStrike,
  WindowBuildupSummary,
  Zone,
} from '../core/intelligence/index.ts';
import type { StrikeSideView } from '../core/intelligence/index.ts';

const BUILDUP_KIND_VALUES = {
  LONG_BUILDUP: { value: 'longBuildup', description: 'Price up, OI up: new longs.' },
  SHORT_BUILDUP: { value: 'shortBuildup', description: 'Price down, OI up: writers (new shorts).' },
  SHORT_COVERING: { value: 'shortCovering', description: 'Price up, OI down: shorts closing.' },
  LONG_UNWINDING: { value: 'longUnwinding', description: 'Price down, OI down: longs closing.' },
} as const;

const BuildupClassEnum = builder.enumType('BuildupClass', {
  description: 'How a strike side\'s OI and price moved together over a window (changes within their noise thresholds are NEUTRAL).',
  values: { ...BUILDUP_KIND_VALUES, NEUTRAL: { value: 'neutral', description: 'OI or price flat.' } } as const,
});

const EVENT_KINDS = {
  ZONE_STRENGTHENED: { value: 'zone_strengthened', description: 'A support or resistance zone grew stronger (strength 0–1 is the score).' },
  ZONE_SHIFTED: { value: 'zone_shifted', description: 'The strongest zone of a side moved to another strike.' },
  ZONE_BREACHED: { value: 'zone_breached', description: 'Spot went through a zone.' },
  UNUSUAL_OI_CHANGE: { value: 'unusual_oi_change', description: 'A strike side\'s OI change over the interval was an outlier against the session (score: robust z).' },
  UNUSUAL_PREMIUM_TURNOVER: { value: 'unusual_premium_turnover', description: 'A strike side\'s traded premium was an outlier against the session (score: robust z).' },
  FAR_OTM_WRITING: { value: 'far_otm_writing', description: 'Heavy writing far out of the money.' },
  IV_JUMP_WITH_OI_BUILD: { value: 'iv_jump_with_oi_build', description: 'IV jumped while OI built at the strike.' },
  VIX_DIVERGENCE: { value: 'vix_divergence', description: 'India VIX and spot moved the same way (they normally move apart).' },
  MOOD_BAND_CHANGED: { value: 'mood_band_changed', description: 'The mood index moved into another band (score: the index, 0–100).' },
} as const;

export const EventKindEnum = builder.enumType('AnalyticsEventKind', { description: 'What an analytics event reports.', values: EVENT_KINDS });

/** A named number with its unit in its name: what analyticsEvents and opportunities list behind each item. */
export const EventValueType = builder.objectRef<[string, number]>('AnalyticsEventValue').implement({
  description: 'One number behind an event or an opportunity; its name says its unit.',
  fields: (t) => ({
    name: t.string({ description: 'Name with its unit, e.g. oiChangeContracts, spotChangeFraction (decimal), vixChangePoints.', resolve: ([name]) => name }),
    value: t.float({ description: 'The value, in the unit its name says.', resolve: ([, value]) => value }),
  }),
});

export const AnalyticsEventType = builder.objectRef<IntelligenceEvent>('AnalyticsEvent').implement({
  description: 'Something the analytics noticed at one snapshot, with the numbers behind it.',
  fields: (t) => ({
    kind: t.field({ type: EventKindEnum, description: 'What it reports.', resolve: (e) => e.kind }),
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    expiry: t.field({ type: 'Date', nullable: true, description: 'Expiry of the chain it concerns; null for per-symbol events (VIX divergence, mood band).', resolve: (e) => e.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot that raised it.', resolve: (e) => e.timestamp }),
    strike: t.exposeFloat('strike', { nullable: true, description: 'Strike concerned (a zone\'s peak strike), index points; null when none.' }),
    side: t.exposeString('side', { nullable: true, description: 'call or put (option side), support or resistance (zone side); null when none.' }),
    score: t.exposeFloat('score', { description: 'How strong, in the unit its kind says: robust z for outliers, 0–1 strength for zones, 0–100 for mood.' }),
    reason: t.exposeString('reason', { description: 'One sentence a person can read.' }),
    values: t.field({ type: [EventValueType], description: 'The numbers behind it.', resolve: (e) => Object.entries(e.values ?? {}) }),
  }),
});

export const ZoneType = builder.objectRef<Zone>('Zone').implement({
  description: 'A support (below spot) or resistance (above spot) zone: neighbouring strikes scored by OI wall, fresh writing, gamma, max pain and volume.',
  fields: (t) => ({
    side: t.exposeString('side', { description: 'support or resistance.' }),
    lowStrike: t.exposeFloat('lowStrike', { description: 'Lowest strike of the zone, index points.' }),
    highStrike: t.exposeFloat('highStrike', { description: 'Highest strike of the zone, index points.' }),
    peakStrike: t.exposeFloat('peakStrike', { description: 'Strike with the highest score, index points.' }),
    strength: t.exposeFloat('strength', { description: 'Highest strike score in the zone, 0–1.' }),
    oiContracts: t.exposeFloat('oiContracts', { description: 'Defending side\'s OI over the zone (puts for support, calls for resistance), contracts.' }),
    oiChangeContracts: t.exposeFloat('oiChangeContracts', { description: 'Defending side\'s OI change since the previous close over the zone, contracts (signed).' }),
    gexRupeesPerPercent: t.exposeFloat('gexRupeesPerPercent', { nullable: true, description: '|GEX| over the zone, rupees per 1 % move of the index.' }),
    volumeContracts: t.exposeFloat('volumeContracts', { description: 'Defending side\'s session volume over the zone, contracts.' }),
    distancePoints: t.exposeFloat('distancePoints', { description: 'Distance from spot to the zone, index points (≤ 0 when spot is inside).' }),
  }),
});

const ReversalLevelType = builder.objectRef<ReversalLevel>('ReversalLevel').implement({
  description: 'A zone close enough to spot, measured in expected moves, confirmed by recent writing.',
  fields: (t) => ({
    side: t.exposeString('side', { description: 'support or resistance.' }),
    lowStrike: t.exposeFloat('lowStrike', { description: 'Index points.' }),
    highStrike: t.exposeFloat('highStrike', { description: 'Index points.' }),
    peakStrike: t.exposeFloat('peakStrike', { description: 'Index points.' }),
    strength: t.exposeFloat('strength', { description: 'Zone strength, 0–1.' }),
    distancePoints: t.exposeFloat('distancePoints', { description: 'Spot\'s distance to the zone, index points (≤ 0 inside it).' }),
    expectedMovePoints: t.exposeFloat('expectedMovePoints', { nullable: true, description: 'The ATM straddle\'s expected move it is measured against, index points.' }),
    writingContracts: t.exposeFloat('writingContracts', { description: 'Defending-side OI added at short-buildup strikes of the zone over the window, contracts.' }),
    windowMinutes: t.exposeInt('windowMinutes', { description: 'Window of `writingContracts`, minutes.' }),
    tested: t.exposeBoolean('tested', { description: 'Whether spot is within the configured fraction of the expected move.' }),
  }),
});

interface SupportResistance {
  chain: ChainIntelligence;
  events: IntelligenceEvent[];
}

const SupportResistanceType = builder.objectRef<SupportResistance>('SupportResistance').implement({
  description: 'Support and resistance of one expiry as of its latest analysed snapshot, with reversal levels and recent zone events.',
  fields: (t) => ({
    symbol: t.string({ description: 'Underlying symbol.', resolve: (s) => s.chain.symbol }),
    expiry: t.field({ type: 'Date', description: 'Expiry, YYYY-MM-DD.', resolve: (s) => s.chain.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot.', resolve: (s) => s.chain.timestamp }),
    spot: t.float({ description: 'Spot, index points.', resolve: (s) => s.chain.spot }),
    support: t.field({ type: [ZoneType], description: 'Support zones below spot, strongest first.', resolve: (s) => s.chain.zones.support }),
    resistance: t.field({ type: [ZoneType], description: 'Resistance zones above spot, strongest first.', resolve: (s) => s.chain.zones.resistance }),
    reversalLevels: t.field({ type: [ReversalLevelType], description: 'Zones near spot confirmed by recent writing.', resolve: (s) => s.chain.reversalLevels }),
    recentEvents: t.field({ type: [AnalyticsEventType], description: 'The latest zone events of this expiry (strengthened, shifted, breached), newest first, at most 20.', resolve: (s) => s.events }),
  }),
});

const BuildupTotalType = builder.objectRef<BuildupTotal>('BuildupTotal').implement({
  description: 'Strikes of one buildup kind on one side over the window.',
  fields: (t) => ({
    strikes: t.exposeInt('strikes', { description: 'Strikes of this kind.' }),
    contracts: t.exposeFloat('contracts', { description: 'Σ |OI change| over them, contracts.' }),
    premiumRupees: t.exposeFloat('premiumRupees', { description: 'Σ |OI change| × lot size × price now, rupees.' }),
  }),
});

const StrongStrikeType = builder.objectRef<StrongStrike>('StrongStrike').implement({
  description: 'One of the strongest strikes of a buildup kind.',
  fields: (t) => ({
    strike: t.exposeFloat('strike', { description: 'Index points.' }),
    oiChangeContracts: t.exposeFloat('oiChangeContracts', { description: 'OI change over the window, contracts (signed).' }),
    priceChangePoints: t.exposeFloat('priceChangePoints', { description: 'Option price change over the window, index points (premium).' }),
    intensity: t.exposeFloat('intensity', { description: '|OI change| / the largest of this kind on this side, 0–1.' }),
  }),
});

interface SideKind {
  kind: keyof typeof KIND_BY_VALUE;
  total: BuildupTotal;
  strongest: StrongStrike[];
}
const KIND_BY_VALUE = { longBuildup: 1, shortBuildup: 1, shortCovering: 1, longUnwinding: 1 } as const;

const BuildupKindSummaryType = builder.objectRef<SideKind>('BuildupKindSummary').implement({
  description: 'One buildup kind on one side: its total and strongest strikes.',
  fields: (t) => ({
    kind: t.field({ type: BuildupClassEnum, description: 'The kind.', resolve: (k) => k.kind }),
    total: t.field({ type: BuildupTotalType, description: 'Over every strike of this kind.', resolve: (k) => k.total }),
    strongest: t.field({ type: [StrongStrikeType], description: 'The strongest strikes, strongest first.', resolve: (k) => k.strongest }),
  }),
});

const sideKinds = (side: WindowBuildupSummary['call']): SideKind[] =>
  (Object.keys(KIND_BY_VALUE) as SideKind['kind'][]).map((kind) => ({ kind, total: side.totals[kind], strongest: side.strongest[kind] }));

const BuildupSummaryType = builder.objectRef<WindowBuildupSummary>('BuildupSummary').implement({
  description: 'OI buildups of one expiry over one window.',
  fields: (t) => ({
    windowMinutes: t.exposeInt('windowMinutes', { nullable: true, description: 'Window, minutes; null for the session (since the open).' }),
    calls: t.field({ type: [BuildupKindSummaryType], description: 'Per kind, the call side.', resolve: (w) => sideKinds(w.call) }),
    puts: t.field({ type: [BuildupKindSummaryType], description: 'Per kind, the put side.', resolve: (w) => sideKinds(w.put) }),
    callWriting: t.field({ type: BuildupTotalType, description: 'Short buildup of calls (resistance building).', resolve: (w) => w.callWriting }),
    putWriting: t.field({ type: BuildupTotalType, description: 'Short buildup of puts (support building).', resolve: (w) => w.putWriting }),
    netPutMinusCallWritingContracts: t.exposeFloat('netPutMinusCallWritingContracts', { description: 'Put writing − call writing, contracts: above 0 when put writers dominate.' }),
  }),
});

const FlowWindowType = builder.objectRef<StrikeSideView['windows'][number]>('OiFlowWindow').implement({
  description: 'OI velocity of a strike side over one window.',
  fields: (t) => ({
    windowMinutes: t.exposeInt('windowMinutes', { description: 'Window, minutes.' }),
    velocity: t.exposeFloat('velocityContractsPerMinute', { nullable: true, description: 'Average OI change per minute over the window, contracts/minute; null until the history reaches back.' }),
    acceleration: t.exposeFloat('accelerationContractsPerMinute2', { nullable: true, description: 'Change of that velocity per minute, contracts/minute².' }),
  }),
});

export const StrikeBuildupType = builder.objectRef<StrikeSideView['buildups'][number]>('StrikeBuildup').implement({
  description: 'Buildup class of a strike side over one window.',
  fields: (t) => ({
    windowMinutes: t.exposeInt('windowMinutes', { nullable: true, description: 'Window, minutes; null for the session.' }),
    kind: t.field({ type: BuildupClassEnum, nullable: true, description: 'The class; null when unknown (no price or OI at the window\'s start).', resolve: (b) => b.kind }),
    oiChangeContracts: t.exposeFloat('oiChangeContracts', { nullable: true, description: 'OI change over the window, contracts.' }),
    priceChangePoints: t.exposeFloat('priceChangePoints', { nullable: true, description: 'Option price change over the window, index points (premium).' }),
  }),
});

export const StrikeSideFlowType = builder.objectRef<StrikeSideView>('StrikeSideFlow').implement({
  description: 'OI flow of one strike side.',
  fields: (t) => ({
    oi: t.exposeFloat('oiContracts', { nullable: true, description: 'Open interest, contracts.' }),
    changeSincePreviousClose: t.exposeFloat('changeSincePreviousCloseContracts', { nullable: true, description: 'OI change since the previous session\'s close, contracts; null without it.' }),
    changeSinceOpen: t.exposeFloat('changeSinceOpenContracts', { nullable: true, description: 'OI change since the session\'s first snapshot, contracts.' }),
    windows: t.field({ type: [FlowWindowType], description: 'Velocity and acceleration per window.', resolve: (s) => s.windows }),
    buildups: t.field({ type: [StrikeBuildupType], description: 'Buildup class per window, then the session.', resolve: (s) => s.buildups }),
  }),
});

const StrikeFlowType = builder.objectRef<StrikeFlowRow>('StrikeFlow').implement({
  description: 'OI flow of one strike, both sides.',
  fields: (t) => ({
    strike: t.exposeFloat('strike', { description: 'Index points.' }),
    call: t.field({ type: StrikeSideFlowType, description: 'The call side.', resolve: (r) => r.call }),
    put: t.field({ type: StrikeSideFlowType, description: 'The put side.', resolve: (r) => r.put }),
  }),
});

interface OptionFlow {
  symbol: string;
  expiry: string;
  timestamp: number;
  rows: StrikeFlowRow[];
}

const OptionFlowType = builder.objectRef<OptionFlow>('OptionFlow').implement({
  description: 'Per-strike OI flow of one expiry as of its latest analysed snapshot.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    expiry: t.field({ type: 'Date', description: 'Expiry, YYYY-MM-DD.', resolve: (f) => f.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot.', resolve: (f) => f.timestamp }),
    strikes: t.field({ type: [StrikeFlowType], description: 'One row per strike, ascending.', resolve: (f) => f.rows }),
  }),
});

export const ChainIntelligenceType = builder.objectRef<ChainIntelligence>('ChainIntelligence').implement({
  description: 'Everything the analytics made of one snapshot of an expiry.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    expiry: t.field({ type: 'Date', description: 'Expiry, YYYY-MM-DD.', resolve: (c) => c.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the snapshot.', resolve: (c) => c.timestamp }),
    spot: t.exposeFloat('spot', { description: 'Spot, index points.' }),
    support: t.field({ type: [ZoneType], description: 'Support zones, strongest first.', resolve: (c) => c.zones.support }),
    resistance: t.field({ type: [ZoneType], description: 'Resistance zones, strongest first.', resolve: (c) => c.zones.resistance }),
    reversalLevels: t.field({ type: [ReversalLevelType], description: 'Zones near spot confirmed by recent writing.', resolve: (c) => c.reversalLevels }),
    buildups: t.field({ type: [BuildupSummaryType], description: 'OI buildups per rolling window, then the session.', resolve: (c) => c.buildups }),
    liquidity: t.field({ type: LiquidityStressType, description: 'Liquidity stress near the money.', resolve: (c) => c.liquidity }),
    volatility: t.field({ type: ChainVolatilityType, description: 'ATM IV against VIX and its history.', resolve: (c) => c.volatility }),
  }),
});

const SYMBOL_ARGUMENT = 'Underlying symbol, e.g. NIFTY.';
const EXPIRY_ARGUMENT = 'Expiry date, YYYY-MM-DD, from expiryList.';

/** The expiry's latest per-strike flows: those this process holds in memory, else the latest stored. */
export async function latestFlowsOf(context: Context, symbol: string, expiry: string): Promise<{ timestamp: number; rows: StrikeFlowRow[] } | null> {
  return context.latestAnalytics?.flows(symbol, expiry) ?? (await readDatabase(context, (db) => latestFlows(db, symbol, expiry)));
}

/** The expiry's latest chain analytics (held in memory, else stored; schema/loaders.ts), or NO_DATA naming the expiries that have some. */
async function requireChainIntelligence(context: Context, symbolArgument: string, expiryArgument: string | unknown): Promise<ChainIntelligence> {
  const instrument = requireInstrument(context, symbolArgument);
  const expiry = dateArgument(expiryArgument as string, 'expiry');
  const chain = await loadersOf(context).chainIntelligence.load({ symbol: instrument.symbol, expiry });
  if (chain !== null) return chain;
  const expiries = await readDatabase(context, (db) => expiriesWithAnalytics(db, instrument.symbol));
  throw noData('expiry', `No analytics are stored for ${instrument.symbol} ${expiry}${expiries.length ? `; expiries with analytics: ${expiries.join(', ')}` : ' (nor for any expiry of it yet)'}`, expiries);
}

builder.queryField('supportResistance', (t) =>
  t.field({
    type: SupportResistanceType,
    description: `Support and resistance zones, reversal levels and the latest zone events of one expiry, as of its latest analysed snapshot. NO_DATA (with the expiries that have analytics) until analysed. Cost ${2 * DATABASE_READ_COST}.`,
    args: {
      symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }),
      expiry: t.arg({ type: 'Date', required: true, description: EXPIRY_ARGUMENT }),
    },
    complexity: 2 * DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const chain = await requireChainIntelligence(context, args.symbol, args.expiry);
      const { events } = await readDatabase(context, (db) =>
        eventsPage(db, { symbols: [chain.symbol], kinds: ['zone_strengthened', 'zone_shifted', 'zone_breached'], expiry: chain.expiry, since: new Date(istMidnight(chain.sessionDate)), first: 20 }),
      );
      return { chain, events };
    },
  }),
);

builder.queryField('buildups', (t) =>
  t.field({
    type: BuildupSummaryType,
    description: `OI buildups of one expiry over one window, as of its latest analysed snapshot. Cost ${DATABASE_READ_COST}.`,
    args: {
      symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }),
      expiry: t.arg({ type: 'Date', required: true, description: EXPIRY_ARGUMENT }),
      window: t.arg.int({ required: false, description: 'Window, minutes: one of the configured rolling windows (5 and 15 by default); omitted: the session since the open.' }),
    },
    complexity: DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const chain = await requireChainIntelligence(context, args.symbol, args.expiry);
      const window = args.window ?? null;
      const summary = chain.buildups.find((b) => b.windowMinutes === window);
      if (!summary) {
        const windows = chain.buildups.map((b) => b.windowMinutes).filter((w): w is number => w !== null);
        throw badArgument('window', `Argument "window": ${window} minutes is not a buildup window; one of ${windows.join(', ')}, or omit it for the session`, { windows });
      }
      return summary;
    },
  }),
);

builder.queryField('optionFlow', (t) =>
  t.field({
    type: OptionFlowType,
    description: `Per-strike OI flow of one expiry (OI, changes since the previous close and the open, velocity, acceleration, buildup class per window), as of its latest analysed snapshot. Cost ${DATABASE_READ_COST} + what a strike selects × 10.`,
    args: {
      symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }),
      expiry: t.arg({ type: 'Date', required: true, description: EXPIRY_ARGUMENT }),
    },
    complexity: DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const instrument = requireInstrument(context, args.symbol);
      const expiry = dateArgument(args.expiry, 'expiry');
      const flows = await latestFlowsOf(context, instrument.symbol, expiry);
      if (flows === null) {
        const expiries = await readDatabase(context, (db) => expiriesWithAnalytics(db, instrument.symbol));
        throw noData('expiry', `No OI flow is stored for ${instrument.symbol} ${expiry}${expiries.length ? `; expiries with analytics: ${expiries.join(', ')}` : ''}`, expiries);
      }
      return { symbol: instrument.symbol, expiry, ...flows };
    },
  }),
);

// ---- events: a cursor connection -------------------------------------------

const MAX_EVENTS_PAGE = 500;

export function encodeEventCursor(cursor: EventCursor): string {
  return encodeCursor([cursor.ts, cursor.symbol, cursor.key]);
}

function decodeEventCursor(text: string): EventCursor | null {
  const key = decodeCursor(text, ['number', 'string', 'string']);
  return key && { ts: key[0] as number, symbol: key[1] as string, key: key[2] as string };
}

const EventConnectionType = connectionType('AnalyticsEvent', AnalyticsEventType, {
  edge: 'One event and where it sits in the list.',
  node: 'The event.',
  connection: 'A page of analytics events, newest first.',
  edges: 'The events of this page.',
});

const DAY_MS = 86_400_000;

builder.queryField('analyticsEvents', (t) =>
  t.field({
    type: EventConnectionType,
    description: `Stored analytics events, newest first, a page at a time. Cost ${DATABASE_READ_COST} + what an event selects × \`first\`.`,
    args: {
      symbols: t.arg.stringList({ required: false, description: 'Underlying symbols; omitted or empty: every symbol.' }),
      kinds: t.arg({ type: [EventKindEnum], required: false, description: 'Event kinds; omitted or empty: every kind.' }),
      since: t.arg({ type: 'DateTime', required: false, description: 'Earliest instant, inclusive, not after `until` (BAD_USER_INPUT otherwise); omitted: 24 hours before `until` (before now without it).' }),
      until: t.arg({
        type: 'DateTime',
        required: false,
        description: "Latest instant, inclusive, such as a playback frame's timestamp (the events as they stood then); omitted: no bound.",
      }),
      first: t.arg.int({ required: false, description: `Events per page, 1–${MAX_EVENTS_PAGE} (default 50).` }),
      after: t.arg.string({ required: false, description: 'The `endCursor` of the previous page.' }),
    },
    complexity: (args) => ({ field: DATABASE_READ_COST, multiplier: Math.min(Math.max(args.first ?? 50, 1), MAX_EVENTS_PAGE) }),
    resolve: async (_root, args, context) => {
      const symbols = (args.symbols ?? []).map((s) => requireInstrument(context, s, 'symbols').symbol);
      const first = args.first ?? 50;
      if (!(first >= 1 && first <= MAX_EVENTS_PAGE)) throw badArgument('first', `Argument "first": ${first} is not between 1 and ${MAX_EVENTS_PAGE}`);
      const after = args.after == null ? undefined : decodeEventCursor(args.after);
      if (after === null) throw badArgument('after', 'Argument "after": not a cursor of analyticsEvents (pass a pageInfo.endCursor as it came)');
      const until = dateTimeArgument(args.until, 'until');
      const since = dateTimeArgument(args.since, 'since') ?? new Date((until?.getTime() ?? context.now()) - DAY_MS);
      if (until && since > until) throw badArgument('since', `Argument "since": ${since.toISOString()} is after "until" ${until.toISOString()}; no event can be in that range`);
      const page = await readDatabase(context, (db) => eventsPage(db, { symbols, kinds: (args.kinds ?? []) as IntelligenceEventKind[], since, until, after, first }));
      return connectionOf(page.events.map(({ cursor, ...node }) => ({ cursor: encodeEventCursor(cursor), node })), page.hasNextPage, after !== undefined);
    },
  }),
);

// ---- live ---------------------------------------------------------------------

builder.subscriptionField('analyticsUpdated', (t) =>
  t.field({
    type: ChainIntelligenceType,
    description: 'The analytics of one expiry each time the analytics role analyses one of its snapshots; the first event is the next one.',
    args: {
      symbol: t.arg.string({ required: true, description: SYMBOL_ARGUMENT }),
      expiry: t.arg({ type: 'Date', required: true, description: EXPIRY_ARGUMENT }),
    },
    subscribe: (_root, args, context) => {
      const instrument = requireInstrument(context, args.symbol);
      return context.pubsub.subscribe('analytics:updated', chainTopicKey(instrument.symbol, dateArgument(args.expiry, 'expiry')));
    },
    resolve: (message) => message.chain,
  }),
);

builder.subscriptionField('marketEvents', (t) =>
  t.field({
    type: AnalyticsEventType,
    description: 'Analytics events as they are raised, optionally only of some symbols and kinds.',
    args: {
      symbols: t.arg.stringList({ required: false, description: 'Underlying symbols; omitted or empty: every symbol.' }),
      kinds: t.arg({ type: [EventKindEnum], required: false, description: 'Event kinds; omitted or empty: every kind.' }),
    },
    subscribe: (_root, args, context) => {
      const symbols = new Set((args.symbols ?? []).map((s) => requireInstrument(context, s, 'symbols').symbol));
      const kinds = new Set<string>(args.kinds ?? []);
      return pipe(
        context.pubsub.subscribe('market:events'),
        filter((event: IntelligenceEvent) => (symbols.size === 0 || symbols.has(event.symbol)) && (kinds.size === 0 || kinds.has(event.kind))),
      );
    },
    resolve: (event) => event,
  }),
);

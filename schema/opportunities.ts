/**
 * Opportunities: a ranked scanner over every symbol's latest chains and its
 * stored analytics (core/opportunities.ts has each kind's formula and
 * threshold). Per symbol it reads the front expiry with a stored chain and
 * the next one (batched across symbols: schema/loaders.ts), their latest
 * chains (the API's latest-chain cache, as optionChain reads it), their
 * stored chain analytics (IV rank, zones; batched) and the session's
 * unusual-activity events of all the symbols (one read). Items are ranked by
 * score (highest first) and served as a cursor connection, like
 * analyticsEvents.
 *
 * Units: prices and strikes in index points, IV decimal, IV differences in
 * vol points, scores 0–1.
 */
import { builder, badArgument, readDatabase, DATABASE_READ_COST, type Context } from './builder.ts';
import { firstUnexpiredDate, requireInstrument } from './market.ts';
import { storedChain } from './chain.ts';
import { OptionSideEnum } from './chainDelta.ts';
import { EventValueType } from './intelligence.ts';
import { loadersOf } from './loaders.ts';
import { connectionOf, connectionType, decodeCursor, encodeCursor } from './connections.ts';
import { addDays } from '../core/calendar.ts';
import { BoundedCache } from '../core/boundedCache.ts';
import { chainColumns } from '../core/chain.ts';
import { istDate, istMidnight } from '../core/time/expiry.ts';
import { eventsPage } from '../db/queries/readAnalytics.ts';
import {
  compareRankKeys,
  ivRankOpportunity,
  parityOpportunities,
  rankKey,
  rankOpportunities,
  smileOpportunities,
  termInversion,
  unusualAtZones,
  UNUSUAL_EVENT_KINDS,
  DEFAULT_OPPORTUNITY_CONFIG,
  type Opportunity,
  type OpportunityKind,
  type OpportunityLeg,
  type RankKey,
} from '../core/opportunities.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { ChainIntelligence, IntelligenceEvent } from '../core/intelligence/index.ts';

const { smile, parity, term, ivRank } = DEFAULT_OPPORTUNITY_CONFIG;

export const OpportunityKindEnum = builder.enumType('OpportunityKind', {
  description: 'What an opportunity is (formulas in core/opportunities.ts); every kind scores its excess over its threshold as 0–1.',
  values: {
    RICH_VS_SMILE: {
      value: 'richVsSmile',
      description: `An out-of-the-money option whose IV is above the SVI fit of its expiry's smile by more than its half bid/ask spread in vol ((ask − bid)/2 / vega) plus ${smile.minEdgeVolPoints} vol points: SELL it.`,
    },
    CHEAP_VS_SMILE: { value: 'cheapVsSmile', description: 'As RICH_VS_SMILE, below the fitted smile: BUY it.' },
    CONVERSION: {
      value: 'conversion',
      description: `C_bid − P_ask − (F + ${parity.futureHalfSpreadPoints} − K)·e^{−rT} ≥ ${parity.minEdgePoints} index points at one strike (F the expiry's futures price, its half spread assumed): sell the call, buy the put, buy the future.`,
    },
    REVERSAL: { value: 'reversal', description: `P_bid − C_ask + (F − ${parity.futureHalfSpreadPoints} − K)·e^{−rT} ≥ ${parity.minEdgePoints} index points: buy the call, sell the put, sell the future.` },
    TERM_INVERSION: {
      value: 'termInversion',
      description: `The front expiry's ATM IV at least ${term.minInversionVolPoints} vol point above the next expiry's: a call calendar at the front's ATM strike (sell front, buy next).`,
    },
    IV_RANK_HIGH: { value: 'ivRankHigh', description: `The stored IV rank of the front expiry's ATM IV at or above ${ivRank.high} (0–100): sell the ATM straddle.` },
    IV_RANK_LOW: { value: 'ivRankLow', description: `The stored IV rank at or below ${ivRank.low}: buy the ATM straddle.` },
    UNUSUAL_AT_ZONE: {
      value: 'unusualAtZone',
      description: "A stored unusual-activity event of this session (unusual OI change or premium turnover, far-OTM writing, IV jump with OI build) on the defending side of a support (puts) or resistance (calls) zone, within its strikes: sell that option with the writers (the trade is that the zone holds).",
    },
  } as const,
});

const LegInstrumentEnum = builder.enumType('OpportunityLegInstrument', {
  description: 'What a leg trades.',
  values: { OPTION: { value: 'option', description: 'An option (side and strike given).' }, FUTURE: { value: 'future', description: 'The index future of the leg\'s expiry.' } } as const,
});

const LegActionEnum = builder.enumType('OpportunityLegAction', {
  description: 'Which way a leg trades.',
  values: { BUY: { value: 'buy', description: 'Buy (pay the ask).' }, SELL: { value: 'sell', description: 'Sell (receive the bid).' } } as const,
});

const OpportunityLegType = builder.objectRef<OpportunityLeg>('OpportunityLeg').implement({
  description: 'One leg of an opportunity, as a strategy builder takes it.',
  fields: (t) => ({
    kind: t.field({ type: LegInstrumentEnum, description: 'OPTION or FUTURE.', resolve: (l) => l.instrument }),
    side: t.field({ type: OptionSideEnum, nullable: true, description: "The option's side; null for a future.", resolve: (l) => l.side }),
    strike: t.exposeFloat('strike', { nullable: true, description: 'Strike, index points, one listed in the chain of `expiry`; null for a future.' }),
    expiry: t.field({ type: 'Date', description: 'Expiry of the contract, YYYY-MM-DD.', resolve: (l) => l.expiry }),
    action: t.field({ type: LegActionEnum, description: 'BUY or SELL.', resolve: (l) => l.action }),
    lots: t.exposeInt('lots', { description: "Lots (contracts) to trade; multiply by the chain's lotSize for units of the index." }),
  }),
});

/** Most numbers an opportunity lists (unusualAtZone: the zone's and the event's) and most legs (a conversion's three). */
const MAX_VALUES = 16;
const MAX_LEGS = 3;

const OpportunityType = builder.objectRef<Opportunity>('Opportunity').implement({
  description: 'One trade worth a look: what it is, why, how strong, the numbers behind it and the legs to build it.',
  fields: (t) => ({
    kind: t.field({ type: OpportunityKindEnum, description: 'What it is (the enum describes each formula).', resolve: (o) => o.kind }),
    symbol: t.exposeString('symbol', { description: 'Underlying symbol.' }),
    expiry: t.field({ type: 'Date', description: 'Expiry it was found in (the front one of a calendar), YYYY-MM-DD.', resolve: (o) => o.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'Instant of the chain (or stored event) it was found in.', resolve: (o) => o.timestamp }),
    score: t.exposeFloat('score', { description: "How strong, 0–1: 1 − 2^(−excess/halfScore), the excess over the kind's threshold in the kind's unit (0 at the threshold, 0.5 at halfScore beyond it)." }),
    reason: t.exposeString('reason', { description: 'One sentence a person can read.' }),
    values: t.field({
      type: [EventValueType],
      description: 'The numbers behind it, each name with its unit: e.g. deviationVolPoints, halfSpreadVolPoints, edgePoints (index points), inversionVolPoints, ivRank (0–100), marketIvDecimal.',
      complexity: { field: 1, multiplier: MAX_VALUES },
      resolve: (o) => Object.entries(o.values),
    }),
    legs: t.field({
      type: [OpportunityLegType],
      description: `The legs to hand to a strategy builder, one lot each (at most ${MAX_LEGS}).`,
      complexity: { field: 1, multiplier: MAX_LEGS },
      resolve: (o) => o.legs,
    }),
  }),
});

const MAX_OPPORTUNITIES_PAGE = 100;

/** RankKey's entry types, for reading a cursor back. */
const RANK_KEY_TYPES = ['number', 'string', 'string', 'number', 'number', 'string', 'number'] as const;

const OpportunityConnectionType = connectionType(
  'Opportunity',
  OpportunityType,
  {
    edge: 'One opportunity and where it sits in the ranking.',
    node: 'The opportunity.',
    connection: 'A page of opportunities, highest score first.',
    edges: 'The opportunities of this page.',
  },
  // The field's own multiplier (`first`) already counts the edges.
  1,
);

/** The front and next expiries of a symbol with stored chains, their latest chains and stored analytics. */
interface SymbolScan {
  chains: EnrichedSnapshot[];
  intelligence: (ChainIntelligence | null)[];
}

async function scanInputs(context: Context, symbol: string): Promise<SymbolScan> {
  const loaders = loadersOf(context);
  const front = await loaders.nearestExpiry.load({ symbol, fromDate: firstUnexpiredDate(context.now()) });
  if (front === null) return { chains: [], intelligence: [] };
  const next = await loaders.nearestExpiry.load({ symbol, fromDate: addDays(front, 1) });
  const expiries = next === null ? [front] : [front, next];
  const [chains, intelligence] = await Promise.all([
    Promise.all(expiries.map((expiry) => storedChain(context, symbol, expiry))),
    Promise.all(expiries.map((expiry) => loaders.chainIntelligence.load({ symbol, expiry }))),
  ]);
  return { chains: chains.filter((c): c is EnrichedSnapshot => c !== null), intelligence };
}

/**
 * The per-chain kinds (rich/cheap against the smile, parity) of snapshots
 * already scanned, by snapshot id: a snapshot never changes under its id,
 * and its two SVI fits take some 50–90 ms (21–201 strikes), so every request
 * between two ticks of a chain reuses the first one's scan.
 */
const chainScans = new BoundedCache<Opportunity[]>(2 * 1024 * 1024, (found) => 256 + 1024 * found.length);

function chainScan(chain: EnrichedSnapshot): Opportunity[] {
  const key = `${chain.symbol}:${chain.expiry}:${chain.id}`;
  const cached = chainScans.get(key);
  if (cached) return cached;
  const columns = chainColumns(chain);
  const found = [...smileOpportunities(columns, chain.forward ?? undefined), ...parityOpportunities(columns)];
  chainScans.set(key, found);
  return found;
}

/** Every kind's findings for one symbol (see core/opportunities.ts). */
function scanSymbol({ chains, intelligence }: SymbolScan, events: readonly IntelligenceEvent[]): Opportunity[] {
  const found: Opportunity[] = [];
  for (const chain of chains) found.push(...chainScan(chain));
  const atm = (c: EnrichedSnapshot) => ({ expiry: c.expiry, timestamp: c.timestamp, tYears: c.tYears, atmIv: c.analytics.atmIv, atmStrike: c.analytics.atmStrike, strikes: c.rows.map((r) => r.strike) });
  if (chains.length === 2) {
    const inversion = termInversion(chains[0].symbol, atm(chains[0]), atm(chains[1]));
    if (inversion) found.push(inversion);
  }
  const front = chains[0];
  const rank = intelligence[0]?.volatility.ivRank;
  if (front && rank) {
    const o = ivRankOpportunity({ symbol: front.symbol, expiry: front.expiry, timestamp: front.timestamp, atmStrike: front.analytics.atmStrike, atmIv: front.analytics.atmIv, ...rank });
    if (o) found.push(o);
  }
  for (const analysed of intelligence) {
    if (!analysed) continue;
    // The newest event of each strike side and kind of this expiry, at the strikes its latest chain lists.
    const chain = chains.find((c) => c.expiry === analysed.expiry);
    const listed = new Set(chain?.rows.map((r) => r.strike));
    const newest = new Map<string, IntelligenceEvent>();
    for (const event of events) {
      const key = `${event.kind}:${event.strike}:${event.side}`;
      if (event.symbol === analysed.symbol && event.expiry === analysed.expiry && listed.has(event.strike!) && !newest.has(key)) newest.set(key, event);
    }
    found.push(...unusualAtZones([...newest.values()], analysed.zones));
  }
  return found;
}

/** Unusual-activity events read per request at most (newest first): a session rarely has more. */
const MAX_UNUSUAL_EVENTS = 500;
/** Reads: nearest expiries (two batched), chain analytics (batched), events; chains come from the cache. */
const OPPORTUNITY_READS = 4;

builder.queryField('opportunities', (t) =>
  t.field({
    type: OpportunityConnectionType,
    description:
      `A ranked scanner: rich or cheap options against the fitted smile, put-call parity violations that survive the bid/ask (conversions, reversals), term-structure inversions (calendars), a high or low IV rank (sell or buy premium) and unusual activity at support and resistance zones, each with its reason, score (0–1), numbers and legs; highest score first, a page at a time. ` +
      `Scans each symbol's two nearest unexpired expiries with stored chains (their latest chains, from the API's cache) and their stored analytics; a symbol without a stored chain contributes nothing. Thresholds are in OpportunityKind's descriptions. ` +
      `Cost ${OPPORTUNITY_READS * DATABASE_READ_COST} (batched reads) + what an opportunity selects × \`first\`.`,
    args: {
      symbols: t.arg.stringList({ required: false, description: 'Underlying symbols, e.g. ["NIFTY", "BANKNIFTY"]; omitted or empty: every symbol served.' }),
      kinds: t.arg({ type: [OpportunityKindEnum], required: false, description: 'Kinds to scan for; omitted or empty: every kind.' }),
      first: t.arg.int({ required: false, description: `Opportunities per page, 1–${MAX_OPPORTUNITIES_PAGE} (default 20).` }),
      after: t.arg.string({ required: false, description: 'The `endCursor` of the previous page: this page starts after that item in the ranking (of the data as it is now).' }),
    },
    complexity: (args) => ({ field: OPPORTUNITY_READS * DATABASE_READ_COST, multiplier: Math.min(Math.max(args.first ?? 20, 1), MAX_OPPORTUNITIES_PAGE) }),
    resolve: async (_root, args, context) => {
      const named = (args.symbols ?? []).map((s) => requireInstrument(context, s, 'symbols').symbol);
      const symbols = named.length > 0 ? [...new Set(named)] : [...context.instruments.keys()];
      const first = args.first ?? 20;
      if (!(first >= 1 && first <= MAX_OPPORTUNITIES_PAGE)) throw badArgument('first', `Argument "first": ${first} is not between 1 and ${MAX_OPPORTUNITIES_PAGE}`);
      const after = args.after == null ? undefined : (decodeCursor(args.after, RANK_KEY_TYPES) as RankKey | null);
      if (after === null) throw badArgument('after', 'Argument "after": not a cursor of opportunities (pass a pageInfo.endCursor as it came)');
      const kinds = new Set<OpportunityKind>(args.kinds ?? []);

      const wantsEvents = kinds.size === 0 || kinds.has('unusualAtZone');
      const since = new Date(istMidnight(istDate(context.now())));
      const [inputs, events] = await Promise.all([
        Promise.all(symbols.map((symbol) => scanInputs(context, symbol))),
        wantsEvents ? readDatabase(context, (db) => eventsPage(db, { symbols, kinds: UNUSUAL_EVENT_KINDS, since, first: MAX_UNUSUAL_EVENTS })).then((p) => p.events) : [],
      ]);
      const ranked = rankOpportunities(inputs.flatMap((input) => scanSymbol(input, events)).filter((o) => kinds.size === 0 || kinds.has(o.kind)));
      const rest = after ? ranked.filter((o) => compareRankKeys(rankKey(o), after) > 0) : ranked;
      return connectionOf(rest.slice(0, first).map((node) => ({ cursor: encodeCursor(rankKey(node)), node })), rest.length > first, after !== undefined);
    },
  }),
);

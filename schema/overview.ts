/**
 * Market overview: every symbol on one screen, each from the latest chain of
 * its nearest expiry with data (the API's latest-chain cache, as optionChain
 * without `at` reads it) and the analytics last stored for it (mood, support
 * and resistance zones, IV rank). The stored reads are batched per request
 * (schema/loaders.ts): one statement each for the nearest expiries, the moods,
 * the chain analytics and the previous closes of all the symbols asked,
 * however many they are.
 *
 * Units: index points for prices and levels, IV as a decimal (0.15 = 15 %),
 * ranks and the mood 0–100, open interest in contracts (lots).
 */
import { builder, noData, DATABASE_READ_COST, type Context } from './builder.ts';
import { firstUnexpiredDate, requireInstrument } from './market.ts';
import { chainAt } from './chain.ts';
import { OptionSideEnum } from './chainDelta.ts';
import { MoodBandEnum } from './mood.ts';
import { ZoneType } from './intelligence.ts';
import { loadersOf, SETTLED_READ_TTL_MS } from './loaders.ts';
import { topN } from '../core/analytics/rankings.ts';
import type { Instrument } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { ChainIntelligence, SymbolIntelligence, Zone } from '../core/intelligence/index.ts';
import type { StoredClose } from '../db/queries/previousCloses.ts';
import { istDate, istMidnight } from '../core/time/expiry.ts';

interface OverviewEntry {
  chain: EnrichedSnapshot;
  mood: SymbolIntelligence | null;
  intelligence: ChainIntelligence | null;
  previousClose: StoredClose | null;
}

export interface OiChange {
  strike: number;
  side: 'call' | 'put';
  oiChangeContracts: number;
  oiContracts: number | null;
}

/** The `n` sides of the chain with the largest OI change since the previous close (either sign, either side), largest first. */
export function topOiChanges(chain: EnrichedSnapshot, n: number): OiChange[] {
  const strikes = Float64Array.from(chain.rows, (row) => row.strike);
  const ranked = (['call', 'put'] as const).flatMap((side) =>
    topN(strikes, Float64Array.from(chain.rows, (row) => row[side]?.oiChange ?? NaN), n, { by: 'absolute' }).map((r) => ({
      strike: r.strike,
      side,
      oiChangeContracts: r.value,
      oiContracts: chain.rows[r.index][side]?.oi ?? null,
    })),
  );
  return ranked.sort((a, b) => Math.abs(b.oiChangeContracts) - Math.abs(a.oiChangeContracts) || a.strike - b.strike).slice(0, n);
}

/** The zone of a side nearest spot (smallest distance; inside it counts as 0 or less), or null. */
function nearestZone(zones: readonly Zone[] | undefined): Zone | null {
  let nearest: Zone | null = null;
  for (const zone of zones ?? []) if (nearest === null || zone.distancePoints < nearest.distancePoints) nearest = zone;
  return nearest;
}

const OiChangeType = builder.objectRef<OiChange>('OiChange').implement({
  description: 'One side of one strike and how much its open interest changed since the previous session close.',
  fields: (t) => ({
    strike: t.exposeFloat('strike', { description: 'Strike price, index points.' }),
    side: t.field({ type: OptionSideEnum, description: 'Which side of the strike.', resolve: (c) => c.side }),
    oiChangeContracts: t.exposeFloat('oiChangeContracts', { description: 'OI change since the previous session close, contracts (signed: below 0 is unwinding).' }),
    oiContracts: t.exposeFloat('oiContracts', { nullable: true, description: 'Open interest now, contracts.' }),
  }),
});

/** Most OI changes `topOiChanges` lists. */
const MAX_OI_CHANGES = 20;

const MarketOverviewType = builder.objectRef<OverviewEntry>('MarketOverview').implement({
  description:
    "One underlying at a glance: its nearest expiry's latest chain (spot and its day change, future, basis, VIX, ATM IV, PCR, max pain, the largest OI changes) and its latest stored analytics (mood, IV rank, nearest support and resistance zones).",
  fields: (t) => ({
    symbol: t.string({ description: 'Underlying symbol.', resolve: (e) => e.chain.symbol }),
    expiry: t.field({ type: 'Date', description: 'The nearest unexpired expiry with a stored chain: the chain the per-expiry figures come from (as optionChain without `expiry`).', resolve: (e) => e.chain.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'When the source took that chain.', resolve: (e) => e.chain.timestamp }),
    spot: t.float({ description: 'Spot index level, index points.', resolve: (e) => e.chain.spot }),
    previousClose: t.float({
      nullable: true,
      description:
        "The index's previous close, index points: spot at the latest stored snapshot before the IST day of `timestamp` (the previous session's close when the feed ran until it; from the one-minute rollups once the raw snapshots are gone). Null when nothing is stored before that day.",
      resolve: (e) => e.previousClose?.spot ?? null,
    }),
    previousCloseAt: t.field({ type: 'DateTime', nullable: true, description: 'When the snapshot `previousClose` is the spot of was taken; null with it.', resolve: (e) => e.previousClose?.timestamp ?? null }),
    dayChangePoints: t.float({ nullable: true, description: 'spot − previousClose, index points; null without a previous close.', resolve: (e) => (e.previousClose ? e.chain.spot - e.previousClose.spot : null) }),
    dayChangePercent: t.float({
      nullable: true,
      description: 'The day change as a percentage of previousClose, percent (1.5 = 1.5 %); null without a previous close.',
      resolve: (e) => (e.previousClose ? (100 * (e.chain.spot - e.previousClose.spot)) / e.previousClose.spot : null),
    }),
    future: t.float({ nullable: true, description: 'Futures price of `expiry`, index points; null when the source has none.', resolve: (e) => e.chain.future }),
    basisPoints: t.float({ nullable: true, description: 'Futures basis (premium): future − spot, index points; null without a futures price.', resolve: (e) => e.chain.analytics.basis }),
    vix: t.float({ nullable: true, description: 'India VIX, VIX points (an annualised volatility in percent, e.g. 13.2), at the chain; null when unknown.', resolve: (e) => e.chain.vix }),
    atmIv: t.float({ nullable: true, description: 'ATM implied volatility of `expiry`, decimal (0.15 = 15 %).', resolve: (e) => e.chain.analytics.atmIv }),
    ivRank: t.float({
      nullable: true,
      description: "Where the ATM IV sits between the lowest and highest daily close of the stored history, 0–100 (from the stored analytics of `expiry`); null without enough history or analytics.",
      resolve: (e) => e.intelligence?.volatility.ivRank.ivRank ?? null,
    }),
    ivPercentile: t.float({ nullable: true, description: 'Share of the daily closes below the ATM IV, 0–100; null as ivRank.', resolve: (e) => e.intelligence?.volatility.ivRank.ivPercentile ?? null }),
    pcrOi: t.float({ nullable: true, description: 'Put-call ratio on open interest of `expiry`: Σ put OI / Σ call OI (a ratio of contracts).', resolve: (e) => e.chain.analytics.pcrOi }),
    maxPain: t.float({ nullable: true, description: 'Max-pain strike of `expiry`, index points.', resolve: (e) => e.chain.analytics.maxPain }),
    moodIndex: t.float({ nullable: true, description: 'Mood index of the symbol, 0 (extreme fear) – 100 (extreme greed), as last stored; null before the analytics have analysed it.', resolve: (e) => e.mood?.mood.index ?? null }),
    moodBand: t.field({ type: MoodBandEnum, nullable: true, description: 'Band of the mood index; null with it.', resolve: (e) => e.mood?.mood.band ?? null }),
    moodAt: t.field({ type: 'DateTime', nullable: true, description: 'Instant of the snapshot the mood was computed from; null without a stored mood.', resolve: (e) => e.mood?.timestamp ?? null }),
    nearestSupport: t.field({
      type: ZoneType,
      nullable: true,
      description: "The support zone of `expiry` nearest spot (its distancePoints in index points), from the stored analytics (supportResistance has them all); null when none is stored.",
      resolve: (e) => nearestZone(e.intelligence?.zones.support),
    }),
    nearestResistance: t.field({ type: ZoneType, nullable: true, description: 'The resistance zone of `expiry` nearest spot; null when none is stored.', resolve: (e) => nearestZone(e.intelligence?.zones.resistance) }),
    topOiChanges: t.field({
      type: [OiChangeType],
      description: `The sides of \`expiry\`'s strikes with the largest OI change since the previous session close, by magnitude (building or unwinding), largest first. Costs ${MAX_OI_CHANGES} × what is selected.`,
      args: { first: t.arg.int({ required: false, defaultValue: 5, description: `How many, 1–${MAX_OI_CHANGES} (default 5).` }) },
      complexity: { field: 1, multiplier: MAX_OI_CHANGES },
      resolve: (e, args) => topOiChanges(e.chain, Math.min(Math.max(args.first ?? 5, 1), MAX_OI_CHANGES)),
    }),
  }),
});

/** Batched reads of marketOverview: nearest expiries, moods, chain analytics, previous closes. */
const OVERVIEW_READS = 4;

/**
 * The overview of each instrument: its nearest expiry with data, then that
 * chain (cache) and the stored analytics, every read batched across the
 * instruments. Without data: a NO_DATA error naming `symbols` for that item
 * when `required`, else the instrument is left out.
 */
async function overviews(context: Context, instruments: readonly Instrument[], required: boolean): Promise<(OverviewEntry | Error | null)[]> {
  const loaders = loadersOf(context);
  const fromDate = firstUnexpiredDate(context.now());
  return Promise.all(
    instruments.map(async ({ symbol }): Promise<OverviewEntry | Error | null> => {
      const mood = loaders.mood.load(symbol);
      const expiry = await loaders.nearestExpiry.load({ symbol, fromDate });
      if (expiry === null) {
        await mood;
        return required ? noData('symbols', `No ${symbol} chain is stored for an unexpired expiry yet (see expiryList)`, []) : null;
      }
      const intelligence = loaders.chainIntelligence.load({ symbol, expiry });
      const chain = await chainAt(context, { symbol, expiry });
      const previousClose = await loaders.previousClose.load({ symbol, before: istMidnight(istDate(chain.timestamp)) });
      return { chain, mood: await mood, intelligence: await intelligence, previousClose };
    }),
  );
}

builder.queryField('marketOverview', (t) =>
  t.field({
    type: [MarketOverviewType],
    nullable: { list: false, items: true },
    description:
      `Every symbol on one screen: spot, future and basis, India VIX, ATM IV and IV rank, PCR, max pain, mood, the nearest support and resistance, the largest OI changes, one entry per symbol in the order asked. ` +
      `The chains come from the API's latest-chain cache and the mood and chain analytics from its latest analytics outputs in memory (the store, in one batched statement per table for all the symbols, only for what it has not received); the nearest stored expiries and previous closes, which settle for the day, are read in one batched statement each and reused across requests for ${SETTLED_READ_TTL_MS / 1000} s. So a request costs at most four database reads however many symbols it names, and usually none. ` +
      `A symbol named in \`symbols\` without a stored chain is null with a NO_DATA error naming \`symbols\`. Cost ${OVERVIEW_READS * DATABASE_READ_COST} (four batched reads) plus 10 × what a symbol selects.`,
    args: {
      symbols: t.arg.stringList({ required: false, description: 'Underlying symbols, e.g. ["NIFTY", "BANKNIFTY"]; omitted or empty: every symbol served that has a stored chain.' }),
    },
    complexity: OVERVIEW_READS * DATABASE_READ_COST,
    resolve: async (_root, args, context) => {
      const named = (args.symbols ?? []).map((s) => requireInstrument(context, s, 'symbols'));
      const instruments = named.length > 0 ? [...new Map(named.map((i) => [i.symbol, i])).values()] : [...context.instruments.values()];
      const entries = await overviews(context, instruments, named.length > 0);
      // graphql-js reports an Error item as that item's error (null in the list).
      return (named.length > 0 ? entries : entries.filter((e) => e !== null)) as OverviewEntry[];
    },
  }),
);

/**
 * The market-intelligence reducer: enriched snapshots in, per-chain
 * analytics, per-symbol mood and events out, with state kept per
 * (symbol, expiry) and per symbol for the current IST session.
 *
 *   const state = createIntelligenceState(config);
 *   for (const snapshot of snapshots) {
 *     const { outputs } = reduce(state, snapshot, inputs);
 *     …store or publish outputs.chain, outputs.symbol, outputs.events
 *   }
 *
 * Purity: no I/O, no clock, no randomness. Outputs depend only on the
 * sequence of (snapshot, inputs) pairs fed in, so replaying a session's
 * stored snapshots rebuilds the same state and outputs after a restart.
 * `reduce` MUTATES `state` in place (for speed: a 200-strike chain's columns
 * and rings are updated, not copied) and returns the same object; treat a
 * state as owned by one reducer loop. Outputs are fresh plain objects
 * (numbers, strings, arrays), safe to keep and serialise.
 *
 * Sessions: a snapshot belongs to the IST session of its date
 * (core/time/expiry.ts istDate). With `sessionHoursOnly` (default), snapshots
 * outside 09:15–15:30 IST are skipped (`skipped: 'outside_session'`); sources
 * repeat the last values after the close. The first snapshot of a new
 * session date resets the symbol's and each chain's session state; the
 * previous session's last values are kept as its "previous close" (OI and
 * price per strike and side, PCR, ATM IV, spot, VIX, total option volume).
 * Chains whose expiry is before the new session date are dropped, and a
 * snapshot of such an expiry is skipped (`skipped: 'expired'`). A snapshot
 * not newer than the chain's last one is skipped (`skipped: 'out_of_order'`):
 * the bus delivers at least once.
 *
 * Memory: at most maxChains chains (the least recently fed is dropped, with
 * its symbol when it was the symbol's last); per chain about strike slots ×
 * (64 bytes × ring samples + 32 bytes × unusual.baselineCapacity): 201
 * strikes → 256 slots × (64 × 122 + 32 × 60) bytes ≈ 2.5 MB at the defaults.
 *
 * Metrics: oiFlow.ts, buildups.ts, zones.ts, vpin.ts, unusual.ts,
 * liquidity.ts, volatility.ts, mood.ts (each documents its formula, windows,
 * thresholds and units); configuration in config.ts.
 */
import { allocateSide as allocateChainSide, type ChainSide, type ChainSnapshot } from '../chain.ts';
import { absoluteGex, allocateGexColumns, gexConventionOf, allocateGexScratch, gammaExposure, type GexColumns, type GexConvention, type GexScratch } from '../analytics/gex.ts';
import { atmIndex } from '../analytics/atm.ts';
import { sessionBounds } from '../calendar.ts';
import { istDate } from '../time/expiry.ts';
import type { ChainAnalytics, EnrichedQuote, EnrichedSnapshot } from '../models.ts';
import {
  createChainState,
  gatherRows,
  maybeSample,
  rollChainSession,
  RowSampler,
  slotFor,
  type ChainState,
  type OptionSide,
  type SideColumns,
} from './chainState.ts';
import { resolveIntelligenceConfig, type IntelligenceConfig, type IntelligenceConfigInput } from './config.ts';
import { makeEvent, type IntelligenceEvent } from './events.ts';
import { lookupWindow, sideFlows, type SideFlows, type StrikeSideFlow, type WindowLookup } from './oiFlow.ts';
import {
  BUILDUP_KINDS,
  buildupName,
  classifyColumns,
  summarizeWindow,
  type BuildupClass,
  type SideBuildupColumns,
  type WindowBuildupSummary,
} from './buildups.ts';
import { computeZones, createZoneTracker, reversalLevels, trackZones, type ReversalLevel, type ZoneTracker, type Zones } from './zones.ts';
import {
  addBucketVolume,
  addQuoteRuleVolume,
  bucketSizeFor,
  bvcBuyFraction,
  createToxicityState,
  quoteRuleSide,
  toxicity,
  updateVariance,
  type Toxicity,
  type ToxicityState,
} from './vpin.ts';
import { createUnusualState, detectUnusual, type UnusualSideInputs, type UnusualState } from './unusual.ts';
import { createLiquidityState, liquidityStress, measureLiquidity, type BookSide, type LiquidityState, type LiquidityStress } from './liquidity.ts';
import { atmIvVersusVix, ivRankPercentile, vixDivergence, type AtmIvVersusVix, type DivergenceState, type IvRank, type VixDivergence } from './volatility.ts';
import { bandWithHysteresis, computeMood, type Mood, type MoodBand } from './mood.ts';
import { finiteOrNull } from './stats.ts';
import { RowArrays } from './rowArrays.ts';

export * from './config.ts';
export type { IntelligenceEvent, IntelligenceEventKind } from './events.ts';
export type { StrikeSideFlow } from './oiFlow.ts';
export type { BuildupClass, BuildupKind, BuildupTotal, StrongStrike, WindowBuildupSummary } from './buildups.ts';
export type { Zone, ZoneComponents, Zones, ReversalLevel } from './zones.ts';
export type { Toxicity } from './vpin.ts';
export type { LiquidityStress, LiquidityComponent } from './liquidity.ts';
export type { VixDivergence, IvRank, AtmIvVersusVix } from './volatility.ts';
export type { Mood, MoodBand, MoodComponent } from './mood.ts';

/** Inputs beyond the snapshot; replay must pass the same ones. */
export interface SnapshotInputs {
  /** Daily closes of this symbol's ATM IV, decimal, oldest first (the role loads them from storage). */
  atmIvHistory?: readonly number[];
  /** FII index-futures positions, contracts (NSE participant-wise OI), when known for the session. */
  fiiIndexFutures?: { longContracts: number; shortContracts: number };
}

export type SkipReason = 'outside_session' | 'out_of_order' | 'expired';

export interface FlowSideTotals {
  /** Σ OI change since the previous close over the chain, contracts. */
  sinceCloseContracts: number;
  /** Σ OI change since the session open, contracts. */
  sinceOpenContracts: number;
  /** Σ velocity over the chain per window, contracts/minute (null until the ring reaches back). */
  velocity: { windowMinutes: number; contractsPerMinute: number | null }[];
}

export interface ChainVolatility {
  /** ATM IV of this expiry (ChainAnalytics.atmIv), decimal. */
  atmIvDecimal: number | null;
  vix: number | null;
  versusVix: AtmIvVersusVix;
  ivRank: IvRank;
}

/** Per-(symbol, expiry) analytics of one snapshot. */
export interface ChainIntelligence {
  symbol: string;
  expiry: string;
  timestamp: number;
  /** IST date of the session, YYYY-MM-DD. */
  sessionDate: string;
  /** Spot, index points. */
  spot: number;
  /** Strikes in this snapshot. */
  strikes: number;
  flows: { call: FlowSideTotals; put: FlowSideTotals };
  /** One summary per rolling window, then the session window (windowMinutes null). */
  buildups: WindowBuildupSummary[];
  zones: Zones;
  reversalLevels: ReversalLevel[];
  liquidity: LiquidityStress;
  volatility: ChainVolatility;
}

/** Per-symbol analytics, refreshed by every snapshot of the symbol. */
export interface SymbolIntelligence {
  symbol: string;
  timestamp: number;
  sessionDate: string;
  /** Expiry whose chain feeds the mood (the nearest one seen this session). */
  frontExpiry: string | null;
  /** Spot, index points. */
  spot: number;
  /** Session time-weighted average of spot, index points (mood.ts). */
  sessionTwapPoints: number;
  /** Time-constant EMAs of spot (mood.scales.emaFastMinutes, emaSlowMinutes), index points. */
  emaFastPoints: number;
  emaSlowPoints: number;
  /** India VIX, points. */
  vix: number | null;
  vixDivergence: VixDivergence;
  toxicity: Toxicity;
  mood: Mood;
}

export interface IntelligenceOutputs {
  /** Why the snapshot was not folded in; null when it was. */
  skipped: SkipReason | null;
  chain: ChainIntelligence | null;
  symbol: SymbolIntelligence | null;
  events: IntelligenceEvent[];
}

/** One side's values of this snapshot in row order (NaN where missing). */
interface RowColumns {
  oi: Float64Array;
  price: Float64Array;
  volume: Float64Array;
  iv: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
  bidQty: Float64Array;
  askQty: Float64Array;
  staleSnapshots: Float64Array;
  /** 1 where the row lists this side. */
  listed: Uint8Array;
}

function allocateRowColumns(arrays: RowArrays): RowColumns {
  const f = () => arrays.float().fill(NaN);
  return {
    oi: f(),
    price: f(),
    volume: f(),
    iv: f(),
    delta: f(),
    gamma: f(),
    bid: f(),
    ask: f(),
    bidQty: f(),
    askQty: f(),
    staleSnapshots: f(),
    listed: arrays.uint8().fill(0),
  };
}

interface ChainFrame {
  strikes: Float64Array;
  rowSlot: Int32Array;
  rows: Record<OptionSide, RowColumns>;
  sampler: RowSampler;
  flows: Record<OptionSide, SideFlows>;
  /** buildups[k] per window (rolling windows, then the session). */
  buildups: { windowMinutes: number | null; call: SideBuildupColumns; put: SideBuildupColumns }[];
}

interface ChainRuntime {
  core: ChainState;
  /** Working columns reused snapshot to snapshot (rowArrays.ts). */
  arrays: RowArrays;
  zoneTracker: ZoneTracker;
  unusual: UnusualState;
  liquidity: LiquidityState;
  gexScratch: GexScratch;
  gexColumns: GexColumns;
  /** The sides of gex.ts's column view (gexChainOf), made once: only oi, iv and gamma are pointed at the frame's columns. */
  gexSides: { call: ChainSide; put: ChainSide };
  lastAnalytics: ChainAnalytics | null;
  last: ChainIntelligence | null;
  frame: ChainFrame | null;
  /** Timestamp of the last snapshot folded in (for the chain cap). */
  lastSeen: number;
}

interface SymbolRuntime {
  symbol: string;
  sessionDate: string;
  lastTimestamp: number;
  spot: number;
  vix: number;
  previousClose: { spot: number; vix: number; sessionVolume: number };
  twapSum: number;
  twapMs: number;
  emaFast: number;
  emaSlow: number;
  ringTimes: Float64Array;
  ringSpot: Float64Array;
  ringVix: Float64Array;
  ringHead: number;
  ringCount: number;
  toxicity: ToxicityState;
  divergence: DivergenceState | null;
  moodBand: MoodBand | null;
  last: SymbolIntelligence | null;
}

export interface IntelligenceState {
  readonly config: IntelligenceConfig;
  /** The last session's bounds, so the hours check does not re-parse the date every snapshot. */
  session: { date: string; opensAt: number; closesAt: number } | null;
  /** By `${symbol}|${expiry}`. */
  chains: Map<string, ChainRuntime>;
  symbols: Map<string, SymbolRuntime>;
}

export function createIntelligenceState(config: IntelligenceConfigInput = {}): IntelligenceState {
  return { config: resolveIntelligenceConfig(config), session: null, chains: new Map(), symbols: new Map() };
}

const chainKey = (symbol: string, expiry: string) => `${symbol}|${expiry}`;

/**
 * Folds one enriched snapshot into `state` (mutated in place, see the module
 * doc) and returns the outputs it produces. Throws RangeError, leaving the
 * state untouched, on a snapshot that cannot be read (non-finite timestamp,
 * non-positive spot or lot size, strikes not positive and ascending).
 */
export function reduce(state: IntelligenceState, snapshot: EnrichedSnapshot, inputs: SnapshotInputs = {}): { state: IntelligenceState; outputs: IntelligenceOutputs } {
  const { config } = state;
  const { timestamp } = snapshot;
  if (!Number.isFinite(timestamp)) throw new RangeError(`intelligence: snapshot ${snapshot.id} has no finite timestamp`);
  if (!(snapshot.spot > 0 && snapshot.spot < Infinity)) throw new RangeError(`intelligence: snapshot ${snapshot.id} has spot ${snapshot.spot}`);
  if (!(snapshot.lotSize > 0 && snapshot.lotSize < Infinity)) throw new RangeError(`intelligence: snapshot ${snapshot.id} has lot size ${snapshot.lotSize}`);
  // Checked before anything is written, so a bad snapshot leaves the state as it was.
  for (let i = 0; i < snapshot.rows.length; i++) {
    const strike = snapshot.rows[i].strike;
    if (!(strike > 0 && strike < Infinity)) throw new RangeError(`intelligence: snapshot ${snapshot.id} has strike ${strike}`);
    if (i > 0 && !(strike > snapshot.rows[i - 1].strike)) throw new RangeError(`intelligence: snapshot ${snapshot.id} rows are not in ascending strike order at ${strike}`);
  }
  const skip = (skipped: SkipReason) => ({ state, outputs: { skipped, chain: null, symbol: null, events: [] } });

  const sessionDate = istDate(timestamp);
  if (config.sessionHoursOnly) {
    if (state.session?.date !== sessionDate) state.session = { date: sessionDate, ...sessionBounds(sessionDate) };
    if (timestamp < state.session.opensAt || timestamp >= state.session.closesAt) return skip('outside_session');
  }
  if (snapshot.expiry < sessionDate) return skip('expired');

  let symbol = state.symbols.get(snapshot.symbol);
  if (symbol !== undefined && sessionDate < symbol.sessionDate) return skip('out_of_order');
  if (symbol === undefined) {
    symbol = createSymbolRuntime(snapshot.symbol, sessionDate, { spot: NaN, vix: NaN, sessionVolume: NaN }, config);
    state.symbols.set(snapshot.symbol, symbol);
  } else if (symbol.sessionDate !== sessionDate) {
    symbol = rollSymbol(state, symbol, sessionDate);
  }

  const key = chainKey(snapshot.symbol, snapshot.expiry);
  let chain = state.chains.get(key);
  if (chain !== undefined && timestamp <= chain.core.lastTimestamp && chain.core.sessionDate === sessionDate) return skip('out_of_order');
  if (chain === undefined) {
    evictChainIfFull(state);
    chain = createChainRuntime(snapshot.symbol, snapshot.expiry, sessionDate, config);
    state.chains.set(key, chain);
  } else if (chain.core.sessionDate !== sessionDate) {
    rollChainSession(chain.core, sessionDate, {
      pcrOi: chain.lastAnalytics?.pcrOi ?? NaN,
      atmIv: chain.lastAnalytics?.atmIv ?? NaN,
      spot: chain.last?.spot ?? NaN,
    });
    resetChainSession(chain, config);
  }

  const events: IntelligenceEvent[] = [];
  const volume = { bvcBuy: 0, total: 0, quoteBuy: 0, quoteSell: 0, unclassified: 0 };
  const frame = foldChain(chain, snapshot, config, volume);
  const chainOut = analyseChain(chain, frame, snapshot, inputs, config, events);

  addBucketVolume(symbol.toxicity, volume.bvcBuy, volume.total);
  addQuoteRuleVolume(symbol.toxicity, timestamp, volume.quoteBuy, volume.quoteSell, volume.unclassified);
  const symbolOut = analyseSymbol(state, symbol, snapshot, inputs, events);
  return { state, outputs: { skipped: null, chain: chainOut, symbol: symbolOut, events } };
}

function createChainRuntime(symbol: string, expiry: string, sessionDate: string, config: IntelligenceConfig): ChainRuntime {
  return {
    core: createChainState(symbol, expiry, sessionDate, config),
    arrays: new RowArrays(),
    zoneTracker: createZoneTracker(),
    unusual: createUnusualState(config.unusual),
    liquidity: createLiquidityState(config.liquidity),
    gexScratch: allocateGexScratch(64, 2),
    gexColumns: allocateGexColumns(64),
    gexSides: { call: allocateChainSide(0), put: allocateChainSide(0) },
    lastAnalytics: null,
    last: null,
    frame: null,
    lastSeen: -Infinity,
  };
}

function resetChainSession(chain: ChainRuntime, config: IntelligenceConfig): void {
  chain.zoneTracker = createZoneTracker();
  chain.unusual = createUnusualState(config.unusual);
  chain.liquidity = createLiquidityState(config.liquidity);
  chain.last = null;
  chain.frame = null;
}

function evictChainIfFull(state: IntelligenceState): void {
  if (state.chains.size < state.config.maxChains) return;
  let oldestKey: string | null = null;
  let oldest = Infinity;
  for (const [key, chain] of state.chains) {
    if (chain.lastSeen < oldest) {
      oldest = chain.lastSeen;
      oldestKey = key;
    }
  }
  if (oldestKey === null) return;
  const symbol = state.chains.get(oldestKey)!.core.symbol;
  state.chains.delete(oldestKey);
  // A symbol left without chains goes too, so a feed of ever-new symbols cannot grow the state.
  for (const chain of state.chains.values()) if (chain.core.symbol === symbol) return;
  state.symbols.delete(symbol);
}

function createSymbolRuntime(symbol: string, sessionDate: string, previousClose: SymbolRuntime['previousClose'], config: IntelligenceConfig): SymbolRuntime {
  const capacity = Math.ceil((config.volatility.divergenceWindowMinutes * 60_000) / config.flow.sampleIntervalMs) + 2;
  return {
    symbol,
    sessionDate,
    lastTimestamp: -Infinity,
    spot: NaN,
    vix: NaN,
    previousClose,
    twapSum: 0,
    twapMs: 0,
    emaFast: NaN,
    emaSlow: NaN,
    ringTimes: new Float64Array(capacity).fill(NaN),
    ringSpot: new Float64Array(capacity).fill(NaN),
    ringVix: new Float64Array(capacity).fill(NaN),
    ringHead: 0,
    ringCount: 0,
    toxicity: createToxicityState(bucketSizeFor(previousClose.sessionVolume, config.vpin), config.vpin),
    divergence: null,
    moodBand: null,
    last: null,
  };
}

/** New session for a symbol: keep the close, drop its expired chains. */
function rollSymbol(state: IntelligenceState, symbol: SymbolRuntime, sessionDate: string): SymbolRuntime {
  const close = { spot: symbol.spot, vix: symbol.vix, sessionVolume: symbol.toxicity.sessionVolume };
  const next = createSymbolRuntime(symbol.symbol, sessionDate, close, state.config);
  state.symbols.set(symbol.symbol, next);
  for (const [key, chain] of state.chains) {
    if (chain.core.symbol === symbol.symbol && chain.core.expiry < sessionDate) state.chains.delete(key);
  }
  return next;
}

// ---------------------------------------------------------------------------
// Chain
// ---------------------------------------------------------------------------

interface VolumeTally {
  bvcBuy: number;
  total: number;
  quoteBuy: number;
  quoteSell: number;
  unclassified: number;
}

/**
 * Writes the snapshot into the chain's slots (tallying the traded volume
 * increments for VPIN and the imbalance), samples the ring when due, and
 * computes the per-row flows and buildups.
 */
function foldChain(chain: ChainRuntime, snapshot: EnrichedSnapshot, config: IntelligenceConfig, volume: VolumeTally): ChainFrame {
  const core = chain.core;
  const rows = snapshot.rows;
  const n = rows.length;
  const arrays = chain.arrays;
  arrays.reset(n);
  const strikes = arrays.float();
  const rowSlot = arrays.int32();
  const lambda = config.vpin.ewmaLambda;
  const seq = core.snapshots;
  const rowColumns = { call: allocateRowColumns(arrays), put: allocateRowColumns(arrays) };
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    strikes[i] = row.strike;
    const slot = slotFor(core, row.strike, config.maxStrikesPerChain);
    rowSlot[i] = slot;
    core.slotLastSeen[slot] = seq;
    foldSide(core.call, slot, row.call, seq, lambda, volume, rowColumns.call, i);
    foldSide(core.put, slot, row.put, seq, lambda, volume, rowColumns.put, i);
  }
  const present = new Uint8Array(core.slotCount);
  for (let i = 0; i < n; i++) present[rowSlot[i]] = 1;
  maybeSample(core, snapshot.timestamp, config.flow.sampleIntervalMs, present);
  core.snapshots++;
  core.lastTimestamp = snapshot.timestamp;
  chain.lastSeen = snapshot.timestamp;

  const now = snapshot.timestamp;
  const sampler = new RowSampler(core, rowSlot, arrays);
  const velocityWindows = config.flow.velocityWindowsMinutes.map((w) => lookupWindow(core, now, w));
  const flows = {
    call: sideFlows(core.call, rowSlot, now, velocityWindows, sampler, arrays),
    put: sideFlows(core.put, rowSlot, now, velocityWindows, sampler, arrays),
  };
  const buildups: ChainFrame['buildups'] = [];
  for (const w of config.buildup.windowsMinutes) {
    const lookup = lookupWindow(core, now, w);
    buildups.push({
      windowMinutes: w,
      call: windowBuildup(core.call, rowColumns.call, lookup, sampler, config, arrays),
      put: windowBuildup(core.put, rowColumns.put, lookup, sampler, config, arrays),
    });
  }
  buildups.push({
    windowMinutes: null,
    call: sessionBuildup(core.call, rowColumns.call, rowSlot, config, arrays),
    put: sessionBuildup(core.put, rowColumns.put, rowSlot, config, arrays),
  });
  const frame: ChainFrame = { strikes, rowSlot, rows: rowColumns, sampler, flows, buildups };
  chain.frame = frame;
  return frame;
}

/** Copies one side's quote into its slot; updates staleness, BVC variance and the volume tally. */
function foldSide(
  side: SideColumns,
  slot: number,
  quote: EnrichedQuote | null,
  seq: number,
  lambda: number,
  volume: VolumeTally,
  row: RowColumns,
  i: number,
): void {
  if (quote === null) {
    side.oi[slot] = NaN;
    side.oiChange[slot] = NaN;
    side.price[slot] = NaN;
    side.ltp[slot] = NaN;
    side.bid[slot] = NaN;
    side.ask[slot] = NaN;
    side.bidQty[slot] = NaN;
    side.askQty[slot] = NaN;
    side.volume[slot] = NaN;
    side.iv[slot] = NaN;
    side.delta[slot] = NaN;
    side.gamma[slot] = NaN;
    side.staleSnapshots[slot] = NaN;
    return;
  }
  const ltp = num(quote.ltp);
  const bid = num(quote.bid);
  const ask = num(quote.ask);
  const bidQty = num(quote.bidQty);
  const askQty = num(quote.askQty);
  const vol = num(quote.volume);
  const oi = num(quote.oi);

  // Traded volume since the previous snapshot of this side.
  const previousVolume = side.volume[slot];
  const previousLtp = side.ltp[slot];
  const traded = vol - previousVolume;
  if (traded > 0 && traded < Infinity) {
    const priceChange = ltp - previousLtp;
    const variance = side.dpVariance[slot];
    volume.bvcBuy += traded * bvcBuyFraction(priceChange, Math.sqrt(variance));
    volume.total += traded;
    if (Number.isFinite(priceChange)) side.dpVariance[slot] = updateVariance(variance, priceChange, lambda);
    const printed = quoteRuleSide(ltp, bid, ask);
    if (printed > 0) volume.quoteBuy += traded;
    else if (printed < 0) volume.quoteSell += traded;
    else volume.unclassified += traded;
  }

  const unchanged =
    seq > 0 && same(side.bid[slot], bid) && same(side.ask[slot], ask) && same(side.bidQty[slot], bidQty) && same(side.askQty[slot], askQty) && Number.isFinite(side.staleSnapshots[slot]);
  const stale = unchanged ? side.staleSnapshots[slot] + 1 : 0;
  side.staleSnapshots[slot] = stale;

  const mid = bid > 0 && ask >= bid && ask < Infinity ? 0.5 * (bid + ask) : NaN;
  const price = ltp > 0 && ltp < Infinity ? ltp : mid;
  const iv = num(quote.iv);
  const delta = num(quote.delta);
  const gamma = num(quote.gamma);
  row.oi[i] = oi;
  row.price[i] = price;
  row.volume[i] = vol;
  row.iv[i] = iv;
  row.delta[i] = delta;
  row.gamma[i] = gamma;
  row.bid[i] = bid;
  row.ask[i] = ask;
  row.bidQty[i] = bidQty;
  row.askQty[i] = askQty;
  row.staleSnapshots[i] = stale;
  row.listed[i] = 1;
  side.oi[slot] = oi;
  side.oiChange[slot] = num(quote.oiChange);
  side.ltp[slot] = ltp;
  side.price[slot] = price;
  side.bid[slot] = bid;
  side.ask[slot] = ask;
  side.bidQty[slot] = bidQty;
  side.askQty[slot] = askQty;
  side.volume[slot] = vol;
  side.iv[slot] = iv;
  side.delta[slot] = delta;
  side.gamma[slot] = gamma;
  if (Number.isNaN(side.openOi[slot])) side.openOi[slot] = oi;
  if (Number.isNaN(side.openPrice[slot])) side.openPrice[slot] = price;
}

function windowBuildup(side: SideColumns, row: RowColumns, lookup: WindowLookup, sampler: RowSampler, config: IntelligenceConfig, arrays: RowArrays): SideBuildupColumns {
  return classifyColumns(row.price, sampler.rows(side, 'price', lookup.then), row.oi, sampler.rows(side, 'oi', lookup.then), config.buildup, arrays);
}

function sessionBuildup(side: SideColumns, row: RowColumns, rowSlot: Int32Array, config: IntelligenceConfig, arrays: RowArrays): SideBuildupColumns {
  const openPrice = gatherRows(side.openPrice, rowSlot, arrays.float());
  const openOi = gatherRows(side.openOi, rowSlot, arrays.float());
  return classifyColumns(row.price, openPrice, row.oi, openOi, config.buildup, arrays);
}

function analyseChain(
  chain: ChainRuntime,
  frame: ChainFrame,
  snapshot: EnrichedSnapshot,
  inputs: SnapshotInputs,
  config: IntelligenceConfig,
  events: IntelligenceEvent[],
): ChainIntelligence {
  const core = chain.core;
  const { strikes, rowSlot } = frame;
  const n = strikes.length;
  const analytics = snapshot.analytics;
  const now = snapshot.timestamp;
  const context = { symbol: snapshot.symbol, expiry: snapshot.expiry, timestamp: now };

  const rows = frame.rows;

  const buildups = frame.buildups.map((b) =>
    summarizeWindow(b.windowMinutes, strikes, b.call, b.put, rows.call.price, rows.put.price, snapshot.lotSize, config.buildup.strongestPerKind, chain.arrays),
  );

  // GEX per strike through core/analytics/gex.ts (the flip is in the chain analytics already: a 2-point grid keeps it cheap).
  const gexChain = gexChainOf(chain, snapshot, frame);
  if (chain.gexColumns.call.length < n) chain.gexColumns = allocateGexColumns(n);
  const gex = gammaExposure(gexChain, {
    forward: snapshot.forward ?? undefined,
    convention: gexConventionOf(analytics.gexConvention),
    flipGridPoints: 2,
    scratch: chain.gexScratch,
    out: chain.gexColumns,
  });
  const gexAbs = absoluteGex(gex.columns, n, chain.arrays.float());

  const zones = computeZones(
    {
      strikes,
      spot: snapshot.spot,
      callOi: frame.flows.call.oi,
      putOi: frame.flows.put.oi,
      callOiChange: frame.flows.call.sinceClose,
      putOiChange: frame.flows.put.sinceClose,
      gexAbs,
      callVolume: rows.call.volume,
      putVolume: rows.put.volume,
      maxPain: analytics.maxPain ?? NaN,
    },
    config.zones,
  );
  events.push(...trackZones(chain.zoneTracker, zones, snapshot.spot, context, config.zones));
  const reversalWindow = frame.buildups[config.buildup.windowsMinutes.indexOf(config.zones.reversalWindowMinutes)];
  const shortBuildup = BUILDUP_KINDS.indexOf('shortBuildup') + 1;
  const levels = reversalLevels(
    zones,
    analytics.expectedMove ?? NaN,
    config.zones.reversalWindowMinutes,
    (side, low, high) => {
      const columns = side === 'support' ? reversalWindow.put : reversalWindow.call;
      let written = 0;
      for (let i = 0; i < n; i++) if (strikes[i] >= low && strikes[i] <= high && columns.code[i] === shortBuildup) written += columns.dOi[i];
      return written;
    },
    config.zones,
  );

  const interval = lookupWindow(core, now, config.unusual.baselineIntervalMs / 60_000);
  const ruleWindow = lookupWindow(core, now, config.unusual.windowMinutes);
  const ruleBuildups = frame.buildups[config.buildup.windowsMinutes.indexOf(config.unusual.windowMinutes)];
  const unusualSides: UnusualSideInputs[] = (['call', 'put'] as const).map((name) => {
    const side = core[name];
    return {
      side: name,
      columns: side,
      rowSlot,
      oi: rows[name].oi,
      oiIntervalStart: frame.sampler.rows(side, 'oi', interval.then),
      volumeNow: rows[name].volume,
      volumeIntervalStart: frame.sampler.rows(side, 'volume', interval.then),
      price: rows[name].price,
      delta: rows[name].delta,
      windowBuildup: ruleBuildups[name],
      oiWindowStart: frame.sampler.rows(side, 'oi', ruleWindow.then),
      ivNow: rows[name].iv,
      ivWindowStart: frame.sampler.rows(side, 'iv', ruleWindow.then),
    };
  });
  events.push(...detectUnusual(chain.unusual, core, unusualSides, { ...context, strikes, lotSize: snapshot.lotSize }, config.unusual, config.buildup));

  const book: BookSide[] = [rows.call, rows.put];
  const atm = analytics.atmStrike !== null ? strikes.indexOf(analytics.atmStrike) : atmIndex(strikes, snapshot.forward ?? snapshot.spot);
  const liquidity = liquidityStress(chain.liquidity, measureLiquidity(book, atm, config.liquidity.nearAtmStrikes, snapshot.lotSize), now, config.liquidity);

  const atmIv = analytics.atmIv ?? NaN;
  const volatility: ChainVolatility = {
    atmIvDecimal: finiteOrNull(atmIv),
    vix: snapshot.vix,
    versusVix: atmIvVersusVix(atmIv, snapshot.vix ?? NaN),
    ivRank: ivRankPercentile(atmIv, inputs.atmIvHistory, config.volatility),
  };

  const out: ChainIntelligence = {
    symbol: snapshot.symbol,
    expiry: snapshot.expiry,
    timestamp: now,
    sessionDate: core.sessionDate,
    spot: snapshot.spot,
    strikes: n,
    flows: { call: flowTotals(frame.flows.call, config), put: flowTotals(frame.flows.put, config) },
    buildups,
    zones,
    reversalLevels: levels,
    liquidity,
    volatility,
  };
  chain.last = out;
  chain.lastAnalytics = analytics;
  return out;
}

function flowTotals(flows: SideFlows, config: IntelligenceConfig): FlowSideTotals {
  const sum = (column: Float64Array) => {
    let total = 0;
    let any = false;
    for (let i = 0; i < column.length; i++) {
      if (Number.isFinite(column[i])) {
        total += column[i];
        any = true;
      }
    }
    return any ? total : NaN;
  };
  return {
    sinceCloseContracts: finiteOr0(sum(flows.sinceClose)),
    sinceOpenContracts: finiteOr0(sum(flows.sinceOpen)),
    velocity: config.flow.velocityWindowsMinutes.map((w, k) => ({ windowMinutes: w, contractsPerMinute: finiteOrNull(sum(flows.velocity[k])) })),
  };
}

/** The column view gex.ts reads: OI, IV and gamma of the snapshot's rows. */
function gexChainOf(chain: ChainRuntime, snapshot: EnrichedSnapshot, frame: ChainFrame): ChainSnapshot {
  const { call, put } = chain.gexSides;
  for (const [target, source] of [
    [call, frame.rows.call],
    [put, frame.rows.put],
  ] as const) {
    target.oi = source.oi;
    target.iv = source.iv;
    target.gamma = source.gamma;
  }
  return {
    symbol: snapshot.symbol,
    expiry: snapshot.expiry,
    timestamp: snapshot.timestamp,
    spot: snapshot.spot,
    future: snapshot.future ?? NaN,
    tYears: snapshot.tYears,
    rate: snapshot.rate,
    lotSize: snapshot.lotSize,
    strikes: frame.strikes,
    call,
    put,
  };
}

// ---------------------------------------------------------------------------
// Symbol
// ---------------------------------------------------------------------------

function analyseSymbol(state: IntelligenceState, symbol: SymbolRuntime, snapshot: EnrichedSnapshot, inputs: SnapshotInputs, events: IntelligenceEvent[]): SymbolIntelligence {
  const config = state.config;
  const now = snapshot.timestamp;
  if (now > symbol.lastTimestamp) {
    const spot = snapshot.spot;
    if (Number.isFinite(symbol.spot) && Number.isFinite(symbol.lastTimestamp)) {
      const dt = now - symbol.lastTimestamp;
      symbol.twapSum += symbol.spot * dt;
      symbol.twapMs += dt;
      symbol.emaFast = ema(symbol.emaFast, spot, dt, config.mood.scales.emaFastMinutes);
      symbol.emaSlow = ema(symbol.emaSlow, spot, dt, config.mood.scales.emaSlowMinutes);
    } else {
      symbol.emaFast = spot;
      symbol.emaSlow = spot;
    }
    symbol.spot = spot;
    if (snapshot.vix !== null && snapshot.vix > 0) symbol.vix = snapshot.vix;
    symbol.lastTimestamp = now;
    sampleSymbol(symbol, now, config.flow.sampleIntervalMs);
  }

  const windowMinutes = config.volatility.divergenceWindowMinutes;
  const then = symbolSampleAtOrBefore(symbol, now - windowMinutes * 60_000);
  const divergence = vixDivergence(
    symbol.spot,
    then < 0 ? NaN : symbol.ringSpot[then],
    symbol.vix,
    then < 0 ? NaN : symbol.ringVix[then],
    windowMinutes,
    config.volatility,
  );
  if (divergence.diverging && divergence.state !== symbol.divergence) {
    events.push(
      makeEvent(
        'vix_divergence',
        { symbol: symbol.symbol, expiry: null, timestamp: now },
        null,
        null,
        Math.abs(divergence.spotChangeFraction ?? 0) / Math.max(config.volatility.spotNoiseFraction, 1e-12),
        `spot ${divergence.state === 'both_up' ? 'rose' : 'fell'} ${(100 * Math.abs(divergence.spotChangeFraction ?? 0)).toFixed(2)} % while India VIX ${divergence.state === 'both_up' ? 'rose' : 'fell'} ${Math.abs(divergence.vixChangePoints ?? 0).toFixed(2)} points in ${windowMinutes} min`,
        { spotChangeFraction: divergence.spotChangeFraction ?? NaN, vixChangePoints: divergence.vixChangePoints ?? NaN, windowMinutes },
      ),
    );
  }
  symbol.divergence = divergence.diverging ? divergence.state : null;

  const front = frontChain(state, symbol);
  const a = front?.lastAnalytics ?? null;
  const twap = symbol.twapMs > 0 ? symbol.twapSum / symbol.twapMs : symbol.spot;
  const mood = computeMood(
    {
      pcrOi: a?.pcrOi ?? NaN,
      pcrOiPreviousClose: front?.core.previousClose.pcrOi ?? NaN,
      riskReversal25: a?.riskReversal25 ?? NaN,
      vix: symbol.vix,
      vixPreviousClose: symbol.previousClose.vix,
      ivRank: front?.last?.volatility.ivRank.ivRank ?? NaN,
      spot: symbol.spot,
      vwap: twap,
      emaFast: symbol.emaFast,
      emaSlow: symbol.emaSlow,
      totalGex: a?.totalGex ?? NaN,
      gammaFlip: a?.gammaFlip ?? NaN,
      maxPain: a?.maxPain ?? NaN,
      fii: inputs.fiiIndexFutures,
    },
    config.mood,
  );
  if (mood.index !== null) {
    const band = bandWithHysteresis(mood.index, symbol.moodBand, config.mood.bandEdges, config.mood.bandHysteresisPoints);
    if (symbol.moodBand !== null && band !== symbol.moodBand) {
      events.push(
        makeEvent(
          'mood_band_changed',
          { symbol: symbol.symbol, expiry: null, timestamp: now },
          null,
          null,
          mood.index,
          `mood moved from ${symbol.moodBand.replace('_', ' ')} to ${band.replace('_', ' ')} (${mood.index.toFixed(1)})`,
          { moodIndex: mood.index },
        ),
      );
    }
    symbol.moodBand = band;
  }

  const out: SymbolIntelligence = {
    symbol: symbol.symbol,
    timestamp: now,
    sessionDate: symbol.sessionDate,
    frontExpiry: front?.core.expiry ?? null,
    spot: symbol.spot,
    sessionTwapPoints: twap,
    emaFastPoints: symbol.emaFast,
    emaSlowPoints: symbol.emaSlow,
    vix: finiteOrNull(symbol.vix),
    vixDivergence: divergence,
    toxicity: toxicity(symbol.toxicity, now, config.vpin),
    mood,
  };
  symbol.last = out;
  return out;
}

/** Time-constant EMA step: α = 1 − e^{−Δt/τ}. */
export function ema(previous: number, value: number, dtMs: number, tauMinutes: number): number {
  if (!Number.isFinite(previous)) return value;
  const alpha = 1 - Math.exp(-dtMs / (tauMinutes * 60_000));
  return previous + alpha * (value - previous);
}

function sampleSymbol(symbol: SymbolRuntime, now: number, intervalMs: number): void {
  const cap = symbol.ringTimes.length;
  const newest = symbol.ringCount === 0 ? -1 : (symbol.ringHead - 1 + cap) % cap;
  if (newest >= 0 && now - symbol.ringTimes[newest] < intervalMs) return;
  symbol.ringTimes[symbol.ringHead] = now;
  symbol.ringSpot[symbol.ringHead] = symbol.spot;
  symbol.ringVix[symbol.ringHead] = symbol.vix;
  symbol.ringHead = (symbol.ringHead + 1) % cap;
  if (symbol.ringCount < cap) symbol.ringCount++;
}

function symbolSampleAtOrBefore(symbol: SymbolRuntime, t: number): number {
  const cap = symbol.ringTimes.length;
  for (let i = 0; i < symbol.ringCount; i++) {
    const r = (symbol.ringHead - 1 - i + 2 * cap) % cap;
    if (symbol.ringTimes[r] <= t) return r;
  }
  return -1;
}

/** The symbol's nearest unexpired chain seen this session. */
function frontChain(state: IntelligenceState, symbol: SymbolRuntime): ChainRuntime | null {
  let best: ChainRuntime | null = null;
  for (const chain of state.chains.values()) {
    const c = chain.core;
    if (c.symbol !== symbol.symbol || c.sessionDate !== symbol.sessionDate || c.expiry < symbol.sessionDate || chain.lastAnalytics === null) continue;
    if (best === null || c.expiry < best.core.expiry) best = chain;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Views for queries
// ---------------------------------------------------------------------------

export interface StrikeFlowRow {
  strike: number;
  call: StrikeSideView;
  put: StrikeSideView;
}

export interface StrikeSideView extends StrikeSideFlow {
  buildups: { windowMinutes: number | null; kind: BuildupClass | null; oiChangeContracts: number | null; priceChangePoints: number | null }[];
}

/** Per-strike flows and buildups of a chain as of its last snapshot; null when the chain is unknown. */
export function chainFlows(state: IntelligenceState, symbol: string, expiry: string): StrikeFlowRow[] | null {
  const chain = state.chains.get(chainKey(symbol, expiry));
  const frame = chain?.frame;
  if (!chain || !frame) return null;
  const windows = state.config.flow.velocityWindowsMinutes;
  const buildups = frame.buildups;
  // Plain loops (no closures per strike): a message carries these for every strike and side.
  const view = (name: OptionSide, i: number): StrikeSideView => {
    const f = frame.flows[name];
    const windowViews: StrikeSideView['windows'] = new Array(windows.length);
    for (let k = 0; k < windows.length; k++) {
      windowViews[k] = {
        windowMinutes: windows[k],
        velocityContractsPerMinute: finiteOrNull(f.velocity[k][i]),
        accelerationContractsPerMinute2: finiteOrNull(f.acceleration[k][i]),
      };
    }
    const buildupViews: StrikeSideView['buildups'] = new Array(buildups.length);
    for (let k = 0; k < buildups.length; k++) {
      const b = buildups[k];
      const columns = b[name];
      buildupViews[k] = {
        windowMinutes: b.windowMinutes,
        kind: buildupName(columns.code[i]),
        oiChangeContracts: finiteOrNull(columns.dOi[i]),
        priceChangePoints: finiteOrNull(columns.dPrice[i]),
      };
    }
    return {
      side: name,
      oiContracts: finiteOrNull(f.oi[i]),
      changeSincePreviousCloseContracts: finiteOrNull(f.sinceClose[i]),
      changeSinceOpenContracts: finiteOrNull(f.sinceOpen[i]),
      windows: windowViews,
      buildups: buildupViews,
    };
  };
  const strikes = frame.strikes;
  const out: StrikeFlowRow[] = new Array(strikes.length);
  for (let i = 0; i < strikes.length; i++) out[i] = { strike: strikes[i], call: view('call', i), put: view('put', i) };
  return out;
}

/** The chain's last analytics (buildup summaries, zones, reversal levels, liquidity, volatility); null when unknown. */
export function chainIntelligence(state: IntelligenceState, symbol: string, expiry: string): ChainIntelligence | null {
  return state.chains.get(chainKey(symbol, expiry))?.last ?? null;
}

/** Zones and reversal levels of a chain as of its last snapshot. */
export function chainZones(state: IntelligenceState, symbol: string, expiry: string): { zones: Zones; reversalLevels: ReversalLevel[] } | null {
  const last = chainIntelligence(state, symbol, expiry);
  return last === null ? null : { zones: last.zones, reversalLevels: last.reversalLevels };
}

/** Buildup summaries (rolling windows, then the session) of a chain as of its last snapshot. */
export function chainBuildups(state: IntelligenceState, symbol: string, expiry: string): WindowBuildupSummary[] | null {
  return chainIntelligence(state, symbol, expiry)?.buildups ?? null;
}

/** The symbol's last mood, toxicity and VIX context; null when unknown. */
export function symbolIntelligence(state: IntelligenceState, symbol: string): SymbolIntelligence | null {
  return state.symbols.get(symbol)?.last ?? null;
}

/** (symbol, expiry) chains held, for the role's health and memory reporting. */
export function trackedChains(state: IntelligenceState): { symbol: string; expiry: string; sessionDate: string; strikes: number }[] {
  return [...state.chains.values()].map((c) => ({ symbol: c.core.symbol, expiry: c.core.expiry, sessionDate: c.core.sessionDate, strikes: c.core.slotCount }));
}

function num(value: number | null | undefined): number {
  return value === null || value === undefined ? NaN : value;
}

function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function finiteOr0(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

/**
 * Configuration of the market-intelligence reducers: windows, thresholds and
 * weights, as one typed plain object with defaults. `resolveIntelligenceConfig`
 * merges a partial override into the defaults and validates every value,
 * naming the first bad one (the role maps environment variables onto it).
 *
 * Units are in the names: `…Ms` milliseconds, `…Minutes` minutes,
 * `…Contracts` contracts (lots), `…Fraction` a decimal share (0.01 = 1 %),
 * `…VolDecimal` volatility as a decimal (0.01 = one vol point), `…Points`
 * index points (India VIX points for VIX), `…Ticks` exchange ticks.
 */

export interface FlowConfig {
  /** Windows of the OI velocity and acceleration, minutes (the brief's 1, 5 and 15). */
  velocityWindowsMinutes: readonly number[];
  /**
   * Spacing of the OI/price/IV/volume samples kept per strike and side, ms. A
   * sample is taken at the first snapshot at least this long after the last
   * one, so the ring's memory does not depend on the feed's cadence.
   */
  sampleIntervalMs: number;
}

export interface BuildupConfig {
  /** Rolling windows of the buildup classification, minutes; the session window is always added. */
  windowsMinutes: readonly number[];
  /** |ΔOI| below max(minOiContracts, minOiFraction × OI at the window's start) is "OI flat". */
  minOiContracts: number;
  minOiFraction: number;
  /** Exchange tick of index options, index points (NSE: 0.05). */
  tickSize: number;
  /** |Δprice| below max(minPriceTicks × tickSize, minPriceFraction × price at the start) is "price flat". */
  minPriceTicks: number;
  minPriceFraction: number;
  /** Strikes listed per side and kind among the strongest. */
  strongestPerKind: number;
}

export interface ZoneWeights {
  /** Defending side's OI (puts for support, calls for resistance) / its largest on that side of spot. */
  oiWall: number;
  /** Defending side's OI added since the previous close / its largest. */
  freshWriting: number;
  /** |GEX| of the strike (both sides) / its largest on that side of spot. */
  gammaWall: number;
  /** Closeness to the max-pain strike. */
  maxPain: number;
  /** Defending side's session volume / its largest. */
  volume: number;
}

export interface ZoneConfig {
  /** Zones reported on each side of spot. */
  perSide: number;
  weights: ZoneWeights;
  /** A neighbour joins a zone when its score ≥ expandRatio × the zone's peak score. */
  expandRatio: number;
  /** At most this many strikes on each side of the peak. */
  maxHalfWidthStrikes: number;
  /** The max-pain component falls linearly to 0 at this many strike steps from max pain. */
  maxPainWidthStrikes: number;
  /** A zone_strengthened event needs the strength to rise this much (0–1 scale) above the last announced strength. */
  strengthenDelta: number;
  /** A new strongest zone must hold this many consecutive snapshots before zone_shifted fires. */
  shiftConfirmSnapshots: number;
  /** The same zone's breach is not announced twice within this, ms. */
  breachCooldownMs: number;
  /** Buildup window (minutes, one of buildup.windowsMinutes) that confirms a reversal level. */
  reversalWindowMinutes: number;
  /** Spot "tests" a level when its distance is at most this fraction of the expected move. */
  testFraction: number;
}

export interface UnusualConfig {
  /** Spacing of the per-strike changes fed into each strike's baseline, ms (the changes are over this interval). */
  baselineIntervalMs: number;
  /** Observations kept per strike, side and measure (60 at one a minute: the session's last hour). */
  baselineCapacity: number;
  /** No outlier event for a strike-side before its baseline holds this many observations. */
  minBaseline: number;
  /** Robust z = (x − median)/(1.4826·MAD) at or above which a change is unusual. */
  zThreshold: number;
  /** After an event the condition must fall below this z (or clear) before it can fire again. */
  rearmZ: number;
  /** And at least this long must pass, ms. */
  cooldownMs: number;
  /** |delta| at or below which a strike is far out of the money. */
  farOtmMaxAbsDelta: number;
  /** Far-OTM writing: OI added over the window ≥ max(minContracts, minOiFraction × OI at its start), price down. */
  farOtmMinContracts: number;
  farOtmMinOiFraction: number;
  /** Window of the far-OTM writing and IV-jump rules, minutes (one of buildup.windowsMinutes). */
  windowMinutes: number;
  /** IV rise over the window that counts as a jump, decimal vol (0.02 = 2 vol points). */
  ivJumpVolDecimal: number;
}

export interface VpinConfig {
  /** Bucket size = previous session's option volume of the symbol / bucketsPerSession. */
  bucketsPerSession: number;
  /** Bucket size, contracts, until a previous session's volume is known. */
  initialBucketContracts: number;
  /** VPIN averages the last this-many full buckets (Easley et al. use 50). */
  windowBuckets: number;
  /** EWMA decay of each contract's squared price change, the σ_Δp of the BVC. */
  ewmaLambda: number;
  /** Window of the quote-rule buy/sell imbalance, minutes. */
  imbalanceWindowMinutes: number;
}

export interface LiquidityWeights {
  spread: number;
  depth: number;
  oneSided: number;
  staleness: number;
}

export interface LiquidityConfig {
  /** Depth and staleness are read over the strikes within this many of the ATM strike. */
  nearAtmStrikes: number;
  /** The session baseline is the median of one sample per this interval, ms. */
  baselineIntervalMs: number;
  /** Samples kept (a 375-minute session at one a minute fits). */
  baselineCapacity: number;
  /** No index before this many baseline samples. */
  minBaselineSamples: number;
  /** A metric this many times worse than its baseline scores 100 (1× scores 0). */
  fullStressRatio: number;
  weights: LiquidityWeights;
}

export interface VolatilityConfig {
  /** Window of the spot-versus-VIX divergence, minutes. */
  divergenceWindowMinutes: number;
  /** A spot move below this fraction, or a VIX move below vixNoisePoints, is no move. */
  spotNoiseFraction: number;
  vixNoisePoints: number;
  /** IV rank and percentile use at most this many daily closes (252 ≈ one year). */
  ivHistoryDays: number;
  /** And need at least this many. */
  minIvHistoryDays: number;
}

export interface MoodWeights {
  pcrLevel: number;
  pcrChange: number;
  riskReversal: number;
  vixLevel: number;
  vixChange: number;
  ivRank: number;
  vwapMomentum: number;
  movingAverages: number;
  gammaRegime: number;
  maxPainDistance: number;
  fiiPositioning: number;
}

/**
 * Where each mood component scores 0 (fear) and 100 (greed); linear between,
 * clamped outside. Symmetric ones are given as the move that scores 100
 * (its negative scores 0, no move 50).
 */
export interface MoodScales {
  /** PCR (OI) scoring 0 and 100. */
  pcrFear: number;
  pcrGreed: number;
  /** Change of PCR since the previous close that scores 100. */
  pcrChangeFull: number;
  /** 25Δ risk reversal (decimal vol) scoring 0 and 100. */
  riskReversalFear: number;
  riskReversalGreed: number;
  /** India VIX (points) scoring 0 and 100. */
  vixFear: number;
  vixGreed: number;
  /** Relative VIX change since the previous close that scores 0 (its negative scores 100). */
  vixChangeFullFraction: number;
  /** (spot − session VWAP)/VWAP scoring 100. */
  vwapDeviationFullFraction: number;
  /** (fast EMA − slow EMA)/slow EMA scoring 100. */
  emaSpreadFullFraction: number;
  /** Time constants of the spot EMAs, minutes. */
  emaFastMinutes: number;
  emaSlowMinutes: number;
  /** (spot − gamma flip)/spot scoring 100 (its negative 0). */
  gammaFlipDistanceFullFraction: number;
  /** (spot − max pain)/spot scoring 100. */
  maxPainDistanceFullFraction: number;
  /** FII (long − short)/(long + short) in index futures scoring 100. */
  fiiNetRatioFull: number;
}

export interface MoodConfig {
  weights: MoodWeights;
  scales: MoodScales;
  /** Upper bounds of extreme fear, fear, neutral, greed (then extreme greed), 0–100, ascending. */
  bandEdges: readonly [number, number, number, number];
  /** A mood_band_changed event needs the index this many points inside the new band. */
  bandHysteresisPoints: number;
}

export interface IntelligenceConfig {
  /** Only snapshots inside 09:15–15:30 IST are folded in; others are skipped with a reason. */
  sessionHoursOnly: boolean;
  /** (symbol, expiry) chains kept; the least recently seen is dropped beyond. */
  maxChains: number;
  /** Strikes tracked per chain; the least recently seen strike is dropped beyond. */
  maxStrikesPerChain: number;
  flow: FlowConfig;
  buildup: BuildupConfig;
  zones: ZoneConfig;
  unusual: UnusualConfig;
  vpin: VpinConfig;
  liquidity: LiquidityConfig;
  volatility: VolatilityConfig;
  mood: MoodConfig;
}

export const DEFAULT_INTELLIGENCE_CONFIG: IntelligenceConfig = {
  sessionHoursOnly: true,
  maxChains: 64,
  maxStrikesPerChain: 1_000,
  flow: { velocityWindowsMinutes: [1, 5, 15], sampleIntervalMs: 15_000 },
  buildup: {
    windowsMinutes: [5, 15],
    minOiContracts: 50,
    minOiFraction: 0.005,
    tickSize: 0.05,
    minPriceTicks: 2,
    minPriceFraction: 0.005,
    strongestPerKind: 3,
  },
  zones: {
    perSide: 3,
    weights: { oiWall: 0.35, freshWriting: 0.25, gammaWall: 0.2, maxPain: 0.1, volume: 0.1 },
    expandRatio: 0.6,
    maxHalfWidthStrikes: 2,
    maxPainWidthStrikes: 3,
    strengthenDelta: 0.1,
    shiftConfirmSnapshots: 2,
    breachCooldownMs: 15 * 60_000,
    reversalWindowMinutes: 5,
    testFraction: 0.25,
  },
  unusual: {
    baselineIntervalMs: 60_000,
    baselineCapacity: 60,
    minBaseline: 10,
    zThreshold: 6,
    rearmZ: 3,
    cooldownMs: 10 * 60_000,
    farOtmMaxAbsDelta: 0.15,
    farOtmMinContracts: 500,
    farOtmMinOiFraction: 0.1,
    windowMinutes: 5,
    ivJumpVolDecimal: 0.02,
  },
  vpin: {
    bucketsPerSession: 250,
    initialBucketContracts: 20_000,
    windowBuckets: 50,
    ewmaLambda: 0.94,
    imbalanceWindowMinutes: 5,
  },
  liquidity: {
    nearAtmStrikes: 10,
    baselineIntervalMs: 60_000,
    baselineCapacity: 400,
    minBaselineSamples: 5,
    fullStressRatio: 3,
    weights: { spread: 0.4, depth: 0.25, oneSided: 0.2, staleness: 0.15 },
  },
  volatility: {
    divergenceWindowMinutes: 15,
    spotNoiseFraction: 0.001,
    vixNoisePoints: 0.2,
    ivHistoryDays: 252,
    minIvHistoryDays: 20,
  },
  mood: {
    weights: {
      pcrLevel: 0.12,
      pcrChange: 0.08,
      riskReversal: 0.1,
      vixLevel: 0.12,
      vixChange: 0.08,
      ivRank: 0.08,
      vwapMomentum: 0.1,
      movingAverages: 0.08,
      gammaRegime: 0.08,
      maxPainDistance: 0.04,
      fiiPositioning: 0.12,
    },
    scales: {
      pcrFear: 0.7,
      pcrGreed: 1.3,
      pcrChangeFull: 0.2,
      riskReversalFear: -0.06,
      riskReversalGreed: 0,
      vixFear: 24,
      vixGreed: 11,
      vixChangeFullFraction: 0.1,
      vwapDeviationFullFraction: 0.005,
      emaSpreadFullFraction: 0.003,
      emaFastMinutes: 5,
      emaSlowMinutes: 20,
      gammaFlipDistanceFullFraction: 0.01,
      maxPainDistanceFullFraction: 0.01,
      fiiNetRatioFull: 0.5,
    },
    bandEdges: [20, 40, 60, 80],
    bandHysteresisPoints: 2,
  },
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export type IntelligenceConfigInput = DeepPartial<IntelligenceConfig>;

/** Defaults overlaid with `input`, validated; throws RangeError naming the first bad value. */
export function resolveIntelligenceConfig(input: IntelligenceConfigInput = {}): IntelligenceConfig {
  const config = merge(DEFAULT_INTELLIGENCE_CONFIG, input) as IntelligenceConfig;
  validate(config);
  return config;
}

function merge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (Array.isArray(base) || typeof base !== 'object' || base === null) return override;
  if (typeof override !== 'object' || override === null || Array.isArray(override)) return override;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    if (!(key in out)) throw new RangeError(`intelligence config: unknown key ${key}`);
    out[key] = merge(out[key], value);
  }
  return out;
}

function validate(c: IntelligenceConfig): void {
  const positive = (path: string, v: number) => {
    if (!(typeof v === 'number' && v > 0 && v < Infinity)) throw new RangeError(`intelligence config: ${path} must be a positive number, got ${v}`);
  };
  const nonNegative = (path: string, v: number) => {
    if (!(typeof v === 'number' && v >= 0 && v < Infinity)) throw new RangeError(`intelligence config: ${path} must be a number ≥ 0, got ${v}`);
  };
  const integer = (path: string, v: number) => {
    positive(path, v);
    if (!Number.isInteger(v)) throw new RangeError(`intelligence config: ${path} must be a whole number, got ${v}`);
  };
  const fraction = (path: string, v: number) => {
    if (!(typeof v === 'number' && v > 0 && v <= 1)) throw new RangeError(`intelligence config: ${path} must be in (0, 1], got ${v}`);
  };
  const weights = (path: string, w: object) => {
    let sum = 0;
    for (const [key, v] of Object.entries(w)) {
      nonNegative(`${path}.${key}`, v as number);
      sum += v as number;
    }
    if (!(sum > 0)) throw new RangeError(`intelligence config: ${path} must have a positive weight`);
  };
  const windows = (path: string, list: readonly number[]) => {
    if (!Array.isArray(list) || list.length === 0) throw new RangeError(`intelligence config: ${path} must list at least one window`);
    list.forEach((v, i) => positive(`${path}[${i}]`, v));
  };

  integer('maxChains', c.maxChains);
  integer('maxStrikesPerChain', c.maxStrikesPerChain);
  windows('flow.velocityWindowsMinutes', c.flow.velocityWindowsMinutes);
  positive('flow.sampleIntervalMs', c.flow.sampleIntervalMs);
  windows('buildup.windowsMinutes', c.buildup.windowsMinutes);
  nonNegative('buildup.minOiContracts', c.buildup.minOiContracts);
  nonNegative('buildup.minOiFraction', c.buildup.minOiFraction);
  positive('buildup.tickSize', c.buildup.tickSize);
  nonNegative('buildup.minPriceTicks', c.buildup.minPriceTicks);
  nonNegative('buildup.minPriceFraction', c.buildup.minPriceFraction);
  integer('buildup.strongestPerKind', c.buildup.strongestPerKind);
  integer('zones.perSide', c.zones.perSide);
  weights('zones.weights', c.zones.weights);
  fraction('zones.expandRatio', c.zones.expandRatio);
  nonNegative('zones.maxHalfWidthStrikes', c.zones.maxHalfWidthStrikes);
  positive('zones.maxPainWidthStrikes', c.zones.maxPainWidthStrikes);
  positive('zones.strengthenDelta', c.zones.strengthenDelta);
  integer('zones.shiftConfirmSnapshots', c.zones.shiftConfirmSnapshots);
  nonNegative('zones.breachCooldownMs', c.zones.breachCooldownMs);
  if (!c.buildup.windowsMinutes.includes(c.zones.reversalWindowMinutes)) {
    throw new RangeError(`intelligence config: zones.reversalWindowMinutes (${c.zones.reversalWindowMinutes}) must be one of buildup.windowsMinutes`);
  }
  fraction('zones.testFraction', c.zones.testFraction);
  positive('unusual.baselineIntervalMs', c.unusual.baselineIntervalMs);
  integer('unusual.baselineCapacity', c.unusual.baselineCapacity);
  integer('unusual.minBaseline', c.unusual.minBaseline);
  if (c.unusual.minBaseline > c.unusual.baselineCapacity) throw new RangeError('intelligence config: unusual.minBaseline must not exceed unusual.baselineCapacity');
  positive('unusual.zThreshold', c.unusual.zThreshold);
  nonNegative('unusual.rearmZ', c.unusual.rearmZ);
  if (c.unusual.rearmZ >= c.unusual.zThreshold) throw new RangeError('intelligence config: unusual.rearmZ must be below unusual.zThreshold');
  nonNegative('unusual.cooldownMs', c.unusual.cooldownMs);
  fraction('unusual.farOtmMaxAbsDelta', c.unusual.farOtmMaxAbsDelta);
  nonNegative('unusual.farOtmMinContracts', c.unusual.farOtmMinContracts);
  nonNegative('unusual.farOtmMinOiFraction', c.unusual.farOtmMinOiFraction);
  if (!c.buildup.windowsMinutes.includes(c.unusual.windowMinutes)) {
    throw new RangeError(`intelligence config: unusual.windowMinutes (${c.unusual.windowMinutes}) must be one of buildup.windowsMinutes`);
  }
  positive('unusual.ivJumpVolDecimal', c.unusual.ivJumpVolDecimal);
  integer('vpin.bucketsPerSession', c.vpin.bucketsPerSession);
  positive('vpin.initialBucketContracts', c.vpin.initialBucketContracts);
  integer('vpin.windowBuckets', c.vpin.windowBuckets);
  if (!(c.vpin.ewmaLambda > 0 && c.vpin.ewmaLambda < 1)) throw new RangeError(`intelligence config: vpin.ewmaLambda must be in (0, 1), got ${c.vpin.ewmaLambda}`);
  positive('vpin.imbalanceWindowMinutes', c.vpin.imbalanceWindowMinutes);
  integer('liquidity.nearAtmStrikes', c.liquidity.nearAtmStrikes);
  positive('liquidity.baselineIntervalMs', c.liquidity.baselineIntervalMs);
  integer('liquidity.baselineCapacity', c.liquidity.baselineCapacity);
  integer('liquidity.minBaselineSamples', c.liquidity.minBaselineSamples);
  if (!(c.liquidity.fullStressRatio > 1)) throw new RangeError(`intelligence config: liquidity.fullStressRatio must be > 1, got ${c.liquidity.fullStressRatio}`);
  weights('liquidity.weights', c.liquidity.weights);
  positive('volatility.divergenceWindowMinutes', c.volatility.divergenceWindowMinutes);
  nonNegative('volatility.spotNoiseFraction', c.volatility.spotNoiseFraction);
  nonNegative('volatility.vixNoisePoints', c.volatility.vixNoisePoints);
  integer('volatility.ivHistoryDays', c.volatility.ivHistoryDays);
  integer('volatility.minIvHistoryDays', c.volatility.minIvHistoryDays);
  weights('mood.weights', c.mood.weights);
  const s = c.mood.scales;
  for (const [key, v] of Object.entries(s)) {
    if (!Number.isFinite(v)) throw new RangeError(`intelligence config: mood.scales.${key} must be a number, got ${v}`);
  }
  if (s.pcrFear === s.pcrGreed) throw new RangeError('intelligence config: mood.scales.pcrFear and pcrGreed must differ');
  if (s.riskReversalFear === s.riskReversalGreed) throw new RangeError('intelligence config: mood.scales.riskReversalFear and riskReversalGreed must differ');
  if (s.vixFear === s.vixGreed) throw new RangeError('intelligence config: mood.scales.vixFear and vixGreed must differ');
  for (const key of [
    'pcrChangeFull',
    'vixChangeFullFraction',
    'vwapDeviationFullFraction',
    'emaSpreadFullFraction',
    'emaFastMinutes',
    'emaSlowMinutes',
    'gammaFlipDistanceFullFraction',
    'maxPainDistanceFullFraction',
    'fiiNetRatioFull',
  ] as const) {
    positive(`mood.scales.${key}`, s[key]);
  }
  nonNegative('mood.bandHysteresisPoints', c.mood.bandHysteresisPoints);
  const edges = c.mood.bandEdges;
  if (edges.length !== 4 || !edges.every((v, i) => v > 0 && v < 100 && (i === 0 || v > edges[i - 1]))) {
    throw new RangeError(`intelligence config: mood.bandEdges must be four ascending numbers in (0, 100), got ${JSON.stringify(edges)}`);
  }
}

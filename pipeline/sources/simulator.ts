/**
 * A deterministic market simulator: the `Source` for demos, tests and
 * benchmarks. For a given seed and options it produces the same snapshots,
 * tick for tick (one seeded PRNG, consumed in a fixed order; no Math.random,
 * no wall-clock reads inside a tick).
 *
 * Clock. Each tick advances simulated time by `tickIntervalMs × speed`. Under
 * the `market` clock time passes only inside 09:15–15:30 IST sessions on
 * trading days (core/calendar.ts): a step that crosses the close continues
 * from the next open, and the start is moved to the next open when the market
 * is shut. Under `always-open` time runs 24/7 (a demo you can watch at night);
 * its "session" is the IST calendar day.
 *
 * Model, per underlying:
 * - Spot: geometric Brownian motion at the current ATM volatility, in trading
 *   time (252 sessions of 375 minutes a year) under the market clock, calendar
 *   time under always-open. Underlyings share a market factor (correlation per
 *   index, below); an overnight gap at each market-clock open; market-wide
 *   Poisson jumps of ±0.5–1.5 % (`jumpsPerSession` expected per session, down
 *   slightly more often than up), scaled by each index's volatility.
 * - ATM volatility: simulatorVol·e^x with x an Ornstein-Uhlenbeck process
 *   (mean reversion κ = 50/yr, vol-of-vol 1.2/√yr) whose shocks are −0.7
 *   correlated with spot returns; down jumps lift it, up jumps ease it. The
 *   term structure weights x more at the short end (short expiries react more)
 *   and lifts longer expiries 5 % in calm markets.
 * - Smile: σ(K) = σ_ATM(T)·(1 + a·m + b·m²) in standardised log-moneyness
 *   m = ln(K/F)/(σ_ATM·√T), clamped to |m| ≤ 4 (flat wings): a < 0 puts rich
 *   (steeper when volatility is high), b > 0 convexity.
 * - Futures per expiry: F = S·e^{(r−q)T}·(1 + ε) with ε a small mean-reverting
 *   basis noise, rounded to the 0.05 tick. Options are priced with Black-76 on
 *   that F at their smile volatility (core/pricing/black.ts).
 * - Quotes: mid = model price; the spread widens with |m| and with time to
 *   expiry, at least one 0.05 tick; bid rounded down, ask up; no bid under
 *   0.05. Quantities are whole lots. The LTP is a trade inside the spread and
 *   moves only on ticks that trade. `sourceIv` is the model IV with 1 %
 *   relative noise (0 when the option is nearly worthless, as vendors do);
 *   vendor-style Greeks are the Black-76 ones, rounded.
 * - Volume: per-tick trades drawn around a daily rate (OI × turnover, highest
 *   at the money and near expiry, busier when the market moves); cumulative
 *   through the session, reset when a new session (IST date) starts.
 * - OI (contracts): each side relaxes toward a target that concentrates
 *   writers' OI out of the money near spot (calls above, puts below) and at
 *   round strikes (multiples of 2, 5 and 10 steps), plus a persistent random
 *   flow per side; a change never exceeds the contracts traded that tick. As
 *   spot moves the targets move, which gives the textbook buildups: a rally
 *   brings put writing (put price ↓ OI ↑, short buildup) and call short
 *   covering (price ↑ OI ↓), decay with unwinding gives long unwinding, and
 *   fresh buying into a move long buildup. `previousOi` and `previousClose`
 *   are the OI and LTP at the end of the previous session.
 * - Chain: strikes on the instrument's grid, `strikesEachSide` each side of
 *   the strike nearest spot; beyond three quarters of the window the
 *   in-the-money side is occasionally missing (null), as in real feeds.
 * - Expiries: the `expiriesPerSymbol` nearest from the calendar; an expired
 *   one is never emitted, and the chain rolls to the next at the close.
 *
 * Scenario (optional, core/scenario/): scripted events on top of the random
 * walk, timed in simulated minutes. They never draw from the PRNG, so until
 * the first event a scripted run is identical, tick for tick, to the run
 * without a scenario, and a scenario run is deterministic for a seed. Each
 * tick applies the effects active at its own time over the step that ends
 * there (rates × step length), so with one-minute steps the snapshot stamped
 * at an event's `atMinute` is the first to show it. How they compose:
 * - trend: a drift added to spot's log-return (the random walk goes on);
 * - volSpike: vol points added to every expiry's ATM volatility before the
 *   smile, so options stay priced by Black-76 on one smile (no arbitrage);
 *   the realized volatility of spot is scaled separately;
 * - writing/unwinding: whole contracts added to (removed from) the OI of one
 *   side at one strike, fixed at the event's first tick, each also traded
 *   (volume), so |ΔOI| ≤ Δvolume still holds and OI never goes negative; the
 *   side's OI target moves with it (the writers hold their positions) and
 *   relaxes back once the flow stops; writers sell at the bid;
 * - liquidityCrunch: spreads and quoted depth scaled, the outer strikes
 *   quoted on the ask only (bid ≤ ask always);
 * - vixDivergence: points added to India VIX alone.
 */
import { advanceTradingTime, marketSession, NO_HOLIDAYS, upcomingExpiries } from '../../core/calendar.ts';
import type { Instrument } from '../../core/instruments.ts';
import { RAW_SNAPSHOT_VERSION, type RawQuote, type RawRow, type RawSnapshot } from '../../core/models.ts';
import { allocateGreeks, CALL, priceBatch, PUT, type GreekColumns, type OptionBatch } from '../../core/pricing/black.ts';
import { expiryInstant, istDate, yearsToExpiry, SESSIONS_PER_YEAR } from '../../core/time/expiry.ts';
import { fetchInstant, type Source, type SourceEmit, type SourceStatus } from '../source.ts';
import { mulberry32 } from '../../core/random.ts';
import { effectsAt, NO_EFFECTS, scenarioProblems, vixPointsAt, type Scenario, type UnderlyingEffects } from '../../core/scenario/scenario.ts';

export type SimulatorClock = 'market' | 'always-open';

export interface SimulatorOptions {
  /** Underlyings to simulate; default every instrument in `instruments`. */
  symbols?: string[];
  instruments: Map<string, Instrument>;
  /** PRNG seed: the same seed and options give the same snapshots. */
  seed: number;
  /** Wall-clock milliseconds between ticks when running. */
  tickIntervalMs: number;
  /** Simulated seconds per wall-clock second (1 = real time, 60 = a minute a second). */
  speed: number;
  /** Simulated clock start, epoch ms; default Date.now(). */
  startTime?: number;
  clock: SimulatorClock;
  /** Nearest expiries per underlying (default 2). */
  expiriesPerSymbol?: number;
  /** Strikes each side of the ATM strike (default 20). */
  strikesEachSide?: number;
  holidays?: ReadonlySet<string>;
  /** Risk-free rate, decimal, continuously compounded (default 0.065). */
  rate?: number;
  /** Expected market-wide jumps per session of simulated time (default 1; 0 disables). */
  jumpsPerSession?: number;
  /** Scripted events on top of the random walk (core/scenario/); none by default. */
  scenario?: Scenario;
}

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------


class Random {
  private readonly next: () => number;
  private spare = NaN;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  uniform(): number {
    return this.next();
  }

  /** Standard normal (Box-Muller, both draws used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Poisson count: exact (Knuth) for small means, normal approximation above. */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean >= 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

// ---------------------------------------------------------------------------
// Model constants
// ---------------------------------------------------------------------------

const MS_PER_YEAR = 365 * 86_400_000;
const SESSION_MS = 375 * 60_000;
const TICK = 0.05;
const MINUTE_MS = 60_000;
/** Floor of a scripted ATM volatility, decimal (a large negative volSpike must not price at zero vol). */
const MIN_VOL = 0.01;
/** Floor of India VIX under a scripted divergence, points. */
const MIN_VIX = 1;

/** Per-index simulator parameters that the instrument table does not carry. */
interface SimProfile {
  /** Correlation with the common market factor. */
  marketCorrelation: number;
  /** Continuous dividend yield of the index, decimal. */
  divYield: number;
  /** Peak OI of one strike side of the nearest expiry, contracts. */
  oiScale: number;
}
const PROFILES: Record<string, SimProfile> = {
  NIFTY: { marketCorrelation: 0.97, divYield: 0.013, oiScale: 120_000 },
  BANKNIFTY: { marketCorrelation: 0.85, divYield: 0.009, oiScale: 40_000 },
  FINNIFTY: { marketCorrelation: 0.88, divYield: 0.01, oiScale: 15_000 },
  MIDCPNIFTY: { marketCorrelation: 0.8, divYield: 0.008, oiScale: 25_000 },
  SENSEX: { marketCorrelation: 0.96, divYield: 0.012, oiScale: 80_000 },
};
const DEFAULT_PROFILE: SimProfile = { marketCorrelation: 0.8, divYield: 0.012, oiScale: 20_000 };

/** Log-vol process: mean reversion per year, vol of vol per √year, correlation with spot shocks. */
const VOL_REVERSION = 50;
const VOL_OF_VOL = 1.2;
const SPOT_VOL_CORRELATION = -0.7;
/** Term structure: decay constant of the short-end weight, years. */
const TERM_TAU_YEARS = 30 / 365;
/** Smile: skew and convexity in standardised moneyness, and the clamp of m. */
const SMILE_SKEW = -0.07;
const SMILE_CONVEXITY = 0.025;
const SMILE_MAX_M = 4;
/** OI flow: mean reversion per session and stationary standard deviation (fraction of target per session). */
const FLOW_REVERSION = 3;
const FLOW_SD = 0.35;
/** OI relaxation toward its target, per session. */
const OI_RELAXATION = 1.2;
/** Basis noise (relative): reversion per year, stationary sd. */
const BASIS_REVERSION = 2_000;
const BASIS_SD = 3e-5;
/** VIX / NIFTY 30-day ATM vol, and its noise. */
const VIX_PREMIUM = 1.05;
const VIX_NOISE_REVERSION = 100;
const VIX_NOISE_SD = 0.03;

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

interface SideState {
  oi: number;
  volume: number;
  ltp: number;
  previousOi: number;
  previousClose: number;
  /** Persistent net opening (+) or closing (−) flow, fraction of target per session. */
  flow: number;
  /** Persistent per-strike popularity multiplier. */
  affinity: number;
  /** Contracts the scenario's writing (+) and unwinding (−) moved this side's OI target by; relaxes to 0 when no flow runs. */
  scriptedOi: number;
}

interface StrikeState {
  call: SideState;
  put: SideState;
}

interface SeriesState {
  expiry: string;
  expiryMs: number;
  strikes: Map<number, StrikeState>;
}

interface UnderlyingState {
  instrument: Instrument;
  profile: SimProfile;
  spot: number;
  /** Log-volatility deviation x: ATM vol = simulatorVol·e^x at the short end. */
  logVol: number;
  basisNoise: number;
  series: Map<string, SeriesState>;
  /** The scenario's effects on this underlying this tick. */
  effects: UnderlyingEffects;
}

/** A scripted OI flow in progress: its strike, fixed at its first tick, and the contracts it has moved. */
interface FlowProgress {
  strike: number;
  /** Contracts due so far (fractional), and the whole contracts applied. */
  accrued: number;
  applied: number;
}

/** How one tick moved the world, shared by the per-series work. */
interface TickContext {
  time: number;
  /** Session elapsed, fraction 0–1 (for the first volumes of a new strike). */
  sessionFraction: number;
  /** Simulated activity time since the previous tick, in sessions. */
  dtSessions: number;
  /** Multiplier on trading activity this tick (bigger when the market moves). */
  activity: number;
  /** Simulated minutes since the previous tick (trading minutes under the market clock). */
  dtMinutes: number;
}

/** What every side of one chain shares this tick. */
interface TickSides {
  effects: UnderlyingEffects;
  context: TickContext;
  flowStep: { decay: number; shock: number };
  /** Fraction of the gap to the OI target closed this tick. */
  relax: number;
}

interface SnapshotWork {
  batch: OptionBatch;
  out: GreekColumns;
  moneyness: Float64Array;
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
function roundTick(x: number): number {
  return Math.round(x / TICK) / (1 / TICK);
}
function floorTick(x: number): number {
  return Math.floor(x / TICK + 1e-9) / (1 / TICK);
}
function ceilTick(x: number): number {
  return Math.ceil(x / TICK - 1e-9) / (1 / TICK);
}

/** Exact one-step OU factor pair: decay e^{−κdt} and the shock scale for a unit-stationary-sd process. */
function ouStep(reversion: number, dt: number): { decay: number; shock: number } {
  const decay = Math.exp(-reversion * dt);
  return { decay, shock: Math.sqrt(Math.max(0, 1 - decay * decay)) };
}

// ---------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------

export class MarketSimulator implements Source {
  readonly name = 'simulator';

  private readonly rng: Random;
  private readonly symbols: string[];
  private readonly holidays: ReadonlySet<string>;
  private readonly rate: number;
  private readonly stepMs: number;
  private readonly expiriesPerSymbol: number;
  private readonly strikesEachSide: number;
  private readonly jumpsPerSession: number;
  private readonly underlyings: UnderlyingState[] = [];
  private readonly work: SnapshotWork;

  private time: number;
  private started = false;
  private sessionDate = '';
  private vixNoise = 0;
  /** Simulated time since the first tick, ms (trading time under the market clock): the scenario's `start` anchor. */
  private elapsedMs = 0;
  /** Scenario minute of the current tick, and the VIX points it adds. */
  private scenarioMinute = 0;
  private vixPoints = 0;
  /** Scripted OI flows in progress, by event, symbol, expiry and occurrence; flows not active this tick are dropped. */
  private readonly flows = new Map<string, FlowProgress>();
  private readonly flowsTouched = new Set<string>();

  private state: SourceStatus['state'] = 'idle';
  private message: string | undefined;
  private emitted = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: SimulatorOptions) {
    const { instruments, seed, tickIntervalMs, speed } = options;
    if (!Number.isFinite(seed)) throw new RangeError(`simulator seed must be a finite number, got ${seed}`);
    if (!(tickIntervalMs > 0 && Number.isFinite(tickIntervalMs))) throw new RangeError(`simulator tickIntervalMs must be > 0, got ${tickIntervalMs}`);
    if (!(speed > 0 && Number.isFinite(speed))) throw new RangeError(`simulator speed must be > 0, got ${speed}`);
    this.symbols = options.symbols ?? [...instruments.keys()];
    if (this.symbols.length === 0) throw new RangeError('simulator needs at least one symbol');
    this.expiriesPerSymbol = options.expiriesPerSymbol ?? 2;
    this.strikesEachSide = options.strikesEachSide ?? 20;
    if (!(Number.isInteger(this.expiriesPerSymbol) && this.expiriesPerSymbol >= 1)) throw new RangeError(`simulator expiriesPerSymbol must be a positive integer, got ${this.expiriesPerSymbol}`);
    if (!(Number.isInteger(this.strikesEachSide) && this.strikesEachSide >= 0)) throw new RangeError(`simulator strikesEachSide must be a non-negative integer, got ${this.strikesEachSide}`);
    this.holidays = options.holidays ?? NO_HOLIDAYS;
    this.rate = options.rate ?? 0.065;
    this.jumpsPerSession = options.jumpsPerSession ?? 1;
    if (!(this.jumpsPerSession >= 0 && Number.isFinite(this.jumpsPerSession))) throw new RangeError(`simulator jumpsPerSession must be ≥ 0, got ${this.jumpsPerSession}`);
    this.stepMs = Math.max(1, Math.round(tickIntervalMs * speed));
    this.time = Math.round(options.startTime ?? Date.now());
    this.rng = new Random(seed);
    if (options.scenario !== undefined) {
      const problems = scenarioProblems(options.scenario, {
        knownSymbols: new Set(instruments.keys()),
        strikesEachSide: this.strikesEachSide,
        expiriesPerSymbol: this.expiriesPerSymbol,
      });
      if (problems.length > 0) throw new RangeError(`simulator scenario ${options.scenario.name} does not fit: ${problems.join('; ')}`);
    }

    for (const symbol of this.symbols) {
      const instrument = instruments.get(symbol);
      if (instrument === undefined) throw new RangeError(`simulator symbol ${symbol} is not in the instrument table`);
      this.underlyings.push({
        instrument,
        profile: PROFILES[symbol] ?? DEFAULT_PROFILE,
        spot: instrument.simulatorSpot,
        logVol: 0,
        basisNoise: 0,
        series: new Map(),
        effects: NO_EFFECTS,
      });
    }

    const n = 2 * (2 * this.strikesEachSide + 1);
    this.work = {
      batch: {
        model: 'black76',
        underlying: new Float64Array(n),
        strike: new Float64Array(n),
        tYears: new Float64Array(n),
        vol: new Float64Array(n),
        rate: new Float64Array(n),
        optionType: new Int8Array(n),
      },
      out: allocateGreeks(n),
      moneyness: new Float64Array(n),
    };
  }

  /** Simulated time of the last tick (before the first tick: the configured start). */
  get simulatedTime(): number {
    return this.time;
  }

  /**
   * Advances one step and returns one snapshot per (symbol, expiry), without
   * emitting. The first call is at the start time (moved to the next open
   * under the market clock); each later call `tickIntervalMs × speed` later.
   */
  tick(): RawSnapshot[] {
    const context = this.advanceClock();
    const snapshots: RawSnapshot[] = [];
    const vix = this.vix();
    for (const underlying of this.underlyings) {
      const expiries = upcomingExpiries(underlying.instrument, context.time, this.expiriesPerSymbol, this.holidays);
      for (const expiry of underlying.series.keys()) if (!expiries.includes(expiry)) underlying.series.delete(expiry);
      expiries.forEach((expiry, expiryIndex) => {
        let series = underlying.series.get(expiry);
        if (series === undefined) {
          series = { expiry, expiryMs: expiryInstant(expiry), strikes: new Map() };
          underlying.series.set(expiry, series);
        }
        snapshots.push(this.snapshot(underlying, series, expiryIndex, context, vix));
      });
    }
    for (const key of this.flows.keys()) if (!this.flowsTouched.has(key)) this.flows.delete(key);
    this.flowsTouched.clear();
    return snapshots;
  }

  // -- clock and underlying dynamics ---------------------------------------

  private advanceClock(): TickContext {
    const rng = this.rng;
    const market = this.options.clock === 'market';
    const first = !this.started;
    this.started = true;
    const previous = this.time;
    const step = first ? 0 : this.stepMs;
    this.time = market ? advanceTradingTime(previous, step, this.holidays) : previous + step;

    const date = istDate(this.time);
    const newSession = !first && date !== this.sessionDate;
    this.sessionDate = date;
    // Volatility and activity run in trading time under the market clock, calendar time otherwise.
    const dtYears = market ? step / SESSION_MS / SESSIONS_PER_YEAR : step / MS_PER_YEAR;
    const dtSessions = market ? step / SESSION_MS : step / 86_400_000;
    const sessionStart = market ? marketSession(this.time, this.holidays).opensAt : Date.parse(`${date}T00:00:00+05:30`);
    const sessionFraction = Math.min(1, (this.time - sessionStart) / (market ? SESSION_MS : 86_400_000));
    const dtMinutes = step / MINUTE_MS;
    this.elapsedMs += step;

    if (newSession) this.rollSession();

    const scenario = this.options.scenario;
    if (scenario !== undefined) {
      this.scenarioMinute = (scenario.anchor === 'start' ? this.elapsedMs : this.time - sessionStart) / MINUTE_MS;
      this.vixPoints = vixPointsAt(scenario, this.scenarioMinute);
      for (const u of this.underlyings) u.effects = effectsAt(scenario, u.instrument.symbol, this.scenarioMinute);
    }

    // Shocks: one market factor, an optional market-wide jump, an overnight gap at a market open.
    const marketShock = rng.normal();
    const jumpProbability = 1 - Math.exp(-this.jumpsPerSession * dtSessions);
    let jump = 0;
    if (rng.uniform() < jumpProbability) jump = (rng.uniform() < 0.55 ? -1 : 1) * (0.005 + 0.01 * rng.uniform());
    const gapShock = newSession && market ? rng.normal() : 0;
    const gapVariance = 0.3 / SESSIONS_PER_YEAR; // overnight ≈ 30 % of a session's variance

    const vol = ouStep(VOL_REVERSION, dtYears);
    for (const u of this.underlyings) {
      const rho = u.profile.marketCorrelation;
      const z = Math.sqrt(rho) * marketShock + Math.sqrt(1 - rho) * rng.normal();
      const sigma = u.instrument.simulatorVol * Math.exp(u.logVol);
      const scaledJump = jump * (u.instrument.simulatorVol / 0.13) * (0.8 + 0.4 * rng.uniform());
      const gap = gapShock === 0 ? 0 : sigma * Math.sqrt(gapVariance) * (Math.sqrt(rho) * gapShock + Math.sqrt(1 - rho) * rng.normal());
      const realized = sigma * u.effects.realizedVolMultiplier;
      const drift = (u.effects.driftPctPerMinute / 100) * dtMinutes;
      u.spot *= Math.exp(-0.5 * realized * realized * dtYears + realized * Math.sqrt(dtYears) * z + scaledJump + gap + drift);

      const volShock = SPOT_VOL_CORRELATION * z + Math.sqrt(1 - SPOT_VOL_CORRELATION ** 2) * rng.normal();
      const stationarySd = VOL_OF_VOL / Math.sqrt(2 * VOL_REVERSION);
      u.logVol = u.logVol * vol.decay + stationarySd * vol.shock * volShock;
      if (jump < 0) u.logVol += 15 * -scaledJump; // a 1 % drop lifts vol ~15 %
      else if (jump > 0) u.logVol -= 5 * scaledJump;
      u.logVol = Math.min(1.5, Math.max(-1, u.logVol));

      const basis = ouStep(BASIS_REVERSION, dtYears);
      u.basisNoise = u.basisNoise * basis.decay + BASIS_SD * basis.shock * rng.normal();
    }
    const vixStep = ouStep(VIX_NOISE_REVERSION, dtYears);
    this.vixNoise = this.vixNoise * vixStep.decay + VIX_NOISE_SD * vixStep.shock * rng.normal();

    const activity = 0.6 + 0.8 * Math.abs(marketShock) + (jump !== 0 ? 5 : 0);
    return { time: this.time, sessionFraction, dtSessions, activity, dtMinutes };
  }

  /** A new session: yesterday's close and OI become the reference, volume starts again. */
  private rollSession(): void {
    for (const u of this.underlyings) {
      for (const series of u.series.values()) {
        for (const strike of series.strikes.values()) {
          for (const side of [strike.call, strike.put]) {
            side.previousClose = side.ltp;
            side.previousOi = side.oi;
            side.volume = 0;
          }
        }
      }
    }
  }

  /** ATM volatility of an expiry tYears away: shocks weigh more at the short end; a scripted spike adds its vol points at every expiry. */
  private atmVol(u: UnderlyingState, tYears: number): number {
    const shortWeight = Math.exp(-Math.max(0, tYears) / TERM_TAU_YEARS);
    const model = u.instrument.simulatorVol * Math.exp(u.logVol * (0.5 + 0.5 * shortWeight)) * (1 + 0.05 * (1 - shortWeight));
    return Math.max(MIN_VOL, model + u.effects.ivPoints / 100);
  }

  /** India VIX: NIFTY's (else the first index's, rescaled) 30-day ATM vol in points, with noise. */
  private vix(): number {
    const u = this.underlyings.find((x) => x.instrument.symbol === 'NIFTY') ?? this.underlyings[0];
    const scale = u.instrument.symbol === 'NIFTY' ? 1 : 0.13 / u.instrument.simulatorVol;
    return Math.max(MIN_VIX, roundTo(100 * this.atmVol(u, 30 / 365) * scale * VIX_PREMIUM * Math.exp(this.vixNoise) + this.vixPoints, 2));
  }

  // -- one chain -------------------------------------------------------------

  private snapshot(u: UnderlyingState, series: SeriesState, expiryIndex: number, context: TickContext, vix: number): RawSnapshot {
    const rng = this.rng;
    const { instrument } = u;
    const step = instrument.strikeStep;
    const { time } = context;
    const tYears = yearsToExpiry(time, series.expiryMs);
    const r = this.rate;
    const future = roundTick(u.spot * Math.exp((r - u.profile.divYield) * tYears) * (1 + u.basisNoise));
    const atmVol = this.atmVol(u, tYears);
    const sqrtT = Math.sqrt(tYears);
    const skew = SMILE_SKEW * (1 + 0.5 * Math.max(0, u.logVol));

    // Strikes: the grid around the strike nearest spot.
    const atmStrike = Math.round(u.spot / step) * step;
    const strikes: number[] = [];
    for (let j = -this.strikesEachSide; j <= this.strikesEachSide; j++) {
      const strike = atmStrike + j * step;
      if (strike > 0) strikes.push(strike);
    }
    const n = strikes.length;

    const { batch, out, moneyness } = this.work;
    for (let i = 0; i < n; i++) {
      const strike = strikes[i];
      const m = Math.log(strike / future) / (atmVol * sqrtT);
      const mc = Math.max(-SMILE_MAX_M, Math.min(SMILE_MAX_M, m));
      const vol = atmVol * (1 + skew * mc + SMILE_CONVEXITY * mc * mc);
      for (const [k, sign] of [
        [i, CALL],
        [n + i, PUT],
      ] as const) {
        batch.underlying[k] = future;
        batch.strike[k] = strike;
        batch.tYears[k] = tYears;
        batch.vol[k] = vol;
        batch.rate[k] = r;
        batch.optionType[k] = sign;
        moneyness[k] = m;
      }
    }
    priceBatch(batch, out, 0, 2 * n);

    // OI targets: writers' OI out of the money near the forward, at round strikes, more near expiry.
    const oiWidth = atmVol * Math.sqrt(Math.max(tYears, 2 / 365));
    const life = 0.35 + 0.65 * Math.exp(-tYears * 365 / 7);
    const turnover = 1 + 15 * Math.exp(-tYears * 365 / 3);
    const oiScale = u.profile.oiScale * life;
    const flowStep = ouStep(FLOW_REVERSION, context.dtSessions);
    const relax = 1 - Math.exp(-OI_RELAXATION * context.dtSessions);
    const missingFrom = Math.ceil(0.75 * this.strikesEachSide);
    const { effects } = u;
    const scripted = this.scriptedContracts(u, series, expiryIndex, atmStrike, context.dtMinutes);
    const oneSidedFrom = effects.oneSidedShare > 0 ? this.strikesEachSide * (1 - effects.oneSidedShare) : Infinity;
    const tickSides: TickSides = { effects, context, flowStep, relax };

    const rows: RawRow[] = [];
    for (let i = 0; i < n; i++) {
      const strike = strikes[i];
      let state = series.strikes.get(strike);
      const d = Math.log(strike / future) / oiWidth;
      const round = 1 + (strike % (10 * step) === 0 ? 0.8 : 0) + (strike % (5 * step) === 0 ? 0.4 : 0) + (strike % (2 * step) === 0 ? 0.2 : 0);
      const callShape = asymmetricBell(d, 0.5, 0.6, 1.8);
      const putShape = asymmetricBell(d, -0.5, 1.8, 0.6);
      if (state === undefined) {
        state = {
          call: this.newSide(oiScale * round * callShape, out.price[i], context, turnover, d),
          put: this.newSide(oiScale * round * putShape, out.price[n + i], context, turnover, d),
        };
        series.strikes.set(strike, state);
      }

      const distance = Math.abs(strike - atmStrike) / step;
      const missing = distance >= missingFrom && rng.uniform() < 0.1;
      const oneSided = distance >= oneSidedFrom;
      const call = this.evolveSide(state.call, i, instrument.lotSize, oiScale * round * callShape, turnover, d, tickSides, oneSided, scripted?.get(`call:${strike}`) ?? 0);
      const put = this.evolveSide(state.put, n + i, instrument.lotSize, oiScale * round * putShape, turnover, d, tickSides, oneSided, scripted?.get(`put:${strike}`) ?? 0);
      // The missing side of a deep row is the in-the-money one (illiquid in real chains).
      rows.push({
        strike,
        call: missing && strike < atmStrike ? null : call,
        put: missing && strike > atmStrike ? null : put,
      });
    }

    return {
      version: RAW_SNAPSHOT_VERSION,
      id: `sim:${instrument.symbol}:${series.expiry}:${time}`,
      source: 'simulator',
      symbol: instrument.symbol,
      expiry: series.expiry,
      timestamp: time,
      spot: roundTo(u.spot, 2),
      future,
      vix,
      rows,
    };
  }

  private newSide(target: number, price: number, context: TickContext, turnover: number, d: number): SideState {
    const rng = this.rng;
    const affinity = Math.exp(0.25 * rng.normal());
    const oi = Math.max(0, Math.round(target * affinity * Math.exp(0.1 * rng.normal())));
    const ltp = Math.max(TICK, roundTick(price));
    const dailyVolume = target * affinity * turnover * (0.3 + Math.exp(-0.5 * d * d));
    return {
      oi,
      volume: Math.round(dailyVolume * context.sessionFraction * (0.8 + 0.4 * rng.uniform())),
      ltp,
      previousOi: Math.max(0, Math.round(oi * Math.exp(0.15 * rng.normal()))),
      previousClose: Math.max(TICK, roundTick(price * Math.exp(0.1 * rng.normal()))),
      flow: FLOW_SD * rng.normal(),
      affinity,
      scriptedOi: 0,
    };
  }

  /**
   * Whole contracts each scripted OI flow moves this tick on this chain, by
   * `call:<strike>` / `put:<strike>` (signed: + writing, − unwinding); undefined
   * when none runs. A flow's strike is the ATM strike plus its offset at its
   * first tick, then stays put while spot moves; fractions carry over to the
   * next tick, so n contracts a minute add up to n a minute at any tick rate.
   */
  private scriptedContracts(u: UnderlyingState, series: SeriesState, expiryIndex: number, atmStrike: number, dtMinutes: number): Map<string, number> | undefined {
    let contracts: Map<string, number> | undefined;
    const occurrence = this.options.scenario?.anchor === 'session-open' ? this.sessionDate : '';
    for (const flow of u.effects.oiFlows) {
      if (flow.expiryIndex !== expiryIndex) continue;
      const key = `${flow.event}|${u.instrument.symbol}|${series.expiry}|${occurrence}`;
      let progress = this.flows.get(key);
      if (progress === undefined) {
        progress = { strike: atmStrike + flow.strikeOffset * u.instrument.strikeStep, accrued: 0, applied: 0 };
        this.flows.set(key, progress);
      }
      this.flowsTouched.add(key);
      progress.accrued += flow.contractsPerMinute * dtMinutes;
      const due = Math.trunc(progress.accrued) - progress.applied;
      progress.applied += due;
      if (due === 0) continue;
      contracts ??= new Map();
      const sideKey = `${flow.side}:${progress.strike}`;
      contracts.set(sideKey, (contracts.get(sideKey) ?? 0) + due);
    }
    return contracts;
  }

  /** Moves one side's volume, OI and LTP by a tick and returns its quote. */
  private evolveSide(
    side: SideState,
    k: number,
    lotSize: number,
    baseTarget: number,
    turnover: number,
    d: number,
    { effects, context, flowStep, relax }: TickSides,
    oneSided: boolean,
    scripted: number,
  ): RawQuote {
    const rng = this.rng;
    const { out, moneyness, batch } = this.work;
    const price = out.price[k];
    // The scripted writers' positions move the OI target, not the strike's natural trading.
    const natural = baseTarget * side.affinity;
    const target = Math.max(0, natural + side.scriptedOi);

    // Trades this tick, then OI: drift to target plus flow, never more than was traded.
    const dailyVolume = natural * turnover * (0.3 + Math.exp(-0.5 * d * d));
    const traded = rng.poisson(dailyVolume * context.dtSessions * context.activity);
    side.volume += traded;
    side.flow = side.flow * flowStep.decay + FLOW_SD * flowStep.shock * rng.normal();
    const drift = (target - side.oi) * relax + side.flow * target * context.dtSessions;
    const change = Math.round(drift + 0.3 * Math.sqrt(traded) * rng.normal());
    side.oi = Math.max(0, side.oi + Math.max(-traded, Math.min(traded, change)));

    // Scripted flow: opened (or closed) contracts are traded too; closing stops at zero OI.
    const scriptedTraded = scripted > 0 ? scripted : Math.min(-scripted, side.oi);
    if (scripted > 0) side.oi += scriptedTraded;
    else side.oi -= scriptedTraded;
    side.volume += scriptedTraded;
    if (scripted !== 0) side.scriptedOi += Math.sign(scripted) * scriptedTraded;
    else if (side.scriptedOi !== 0) side.scriptedOi *= 1 - relax;

    // Quote: a spread on time value and (thinner) on intrinsic value, wider away
    // from the money and for longer expiries, which trade less.
    const tYears = batch.tYears[k];
    const intrinsic = Math.max(0, batch.optionType[k] * (batch.underlying[k] - batch.strike[k]) * Math.exp(-this.rate * tYears));
    const timeValue = Math.max(0, price - intrinsic);
    const illiquidity = (1 + 0.4 * Math.min(Math.abs(moneyness[k]), 6)) * (1 + 0.3 * Math.min((tYears * 365) / 30, 3));
    const spread = Math.max(TICK, (0.004 * timeValue + 0.0015 * intrinsic) * illiquidity) * effects.spreadMultiplier;
    let bid: number | null = floorTick(price - spread / 2);
    const ask = Math.max(TICK, ceilTick(price + spread / 2), bid + TICK);
    if (bid < TICK || oneSided) bid = null;
    if (traded > 0) {
      const trade = roundTick(price + (rng.uniform() - 0.5) * spread);
      side.ltp = Math.min(ask, Math.max(bid ?? TICK, trade));
    }
    // Writers sell at the bid (with no bid, at the tick under the model price); a closing trade alone prints near the model price.
    if (scripted > 0) side.ltp = bid ?? Math.min(ask, Math.max(TICK, floorTick(price)));
    else if (scriptedTraded > 0 && traded === 0) side.ltp = Math.min(ask, Math.max(bid ?? TICK, roundTick(price)));
    const depth = Math.log(5 + 40 * Math.exp(-0.5 * d * d));
    const bidLots = Math.max(1, Math.round(Math.exp(depth + 0.8 * rng.normal()) * effects.depthMultiplier));
    const askLots = Math.max(1, Math.round(Math.exp(depth + 0.8 * rng.normal()) * effects.depthMultiplier));
    const ivNoise = 1 + 0.01 * rng.normal();

    return {
      ltp: side.ltp,
      bid,
      ask,
      bidQty: bid === null ? null : bidLots * lotSize,
      askQty: askLots * lotSize,
      volume: side.volume,
      oi: side.oi,
      previousOi: side.previousOi,
      previousClose: side.previousClose,
      sourceIv: price < 0.1 ? 0 : roundTo(batch.vol[k] * ivNoise, 4),
      sourceDelta: roundTo(out.delta[k], 4),
      sourceGamma: roundTo(out.gamma[k], 6),
      sourceTheta: roundTo(out.theta[k], 2),
      sourceVega: roundTo(out.vega[k], 2),
      quoteTime: context.time,
    };
  }

  // -- Source ----------------------------------------------------------------

  async start(emit: SourceEmit): Promise<void> {
    if (this.state === 'running' || this.state === 'degraded') throw new Error('simulator is already running');
    this.stopping = false;
    this.state = 'running';
    this.message = undefined;
    this.schedule(emit, 0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    if (this.state !== 'failed') this.state = 'stopped';
  }

  status(): SourceStatus {
    return {
      name: this.name,
      state: this.state,
      ...(this.message === undefined ? {} : { message: this.message }),
      snapshotsEmitted: this.emitted,
      rejected: {},
    };
  }

  private schedule(emit: SourceEmit, delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.runTick(emit).finally(() => {
        this.inFlight = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runTick(emit: SourceEmit): Promise<void> {
    const began = Date.now();
    let snapshots: RawSnapshot[];
    // The tick is every snapshot's fetch: the chains are generated at once.
    const fetch = { startedAt: fetchInstant(), endedAt: 0 };
    try {
      snapshots = this.tick();
      fetch.endedAt = fetchInstant();
    } catch (error) {
      this.state = 'failed';
      this.message = `tick failed: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    try {
      for (const snapshot of snapshots) {
        if (this.stopping) return;
        await emit(snapshot, fetch);
        this.emitted++;
      }
      if (this.state === 'degraded') {
        this.state = 'running';
        this.message = undefined;
      }
    } catch (error) {
      // The consumer failed; keep producing and say so until an emit succeeds again.
      this.state = 'degraded';
      this.message = `emit failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!this.stopping) this.schedule(emit, Math.max(0, this.options.tickIntervalMs - (Date.now() - began)));
  }
}

/** A bell in d peaking at `center`, with different widths on the left and right. */
function asymmetricBell(d: number, center: number, leftWidth: number, rightWidth: number): number {
  const x = (d - center) / (d < center ? leftWidth : rightWidth);
  return Math.exp(-0.5 * x * x);
}


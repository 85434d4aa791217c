/**
 * The simulator under each named scenario (core/scenario/named/): the
 * scripted effect shows at its minute and not before, and the market stays
 * consistent while it runs. One tick is one simulated minute throughout, so
 * tick i is minute i of the scenario.
 */
import { describe, expect, it } from 'vitest';
import { instrumentTable } from '../../core/instruments.ts';
import type { RawQuote, RawSnapshot } from '../../core/models.ts';
import { namedScenario } from '../../core/scenario/named.ts';
import { parseScenario, type Scenario } from '../../core/scenario/scenario.ts';
import { expiryInstant, istDate, yearsToExpiry } from '../../core/time/expiry.ts';
import { MarketSimulator, type SimulatorOptions } from './simulator.ts';

const instruments = instrumentTable();
const RATE = 0.065;
const TICK = 0.05;
const NIFTY_STEP = 50;
/** Index of the ATM row with 20 strikes each side. */
const ATM = 20;

function ist(date: string, time: string): number {
  return Date.parse(`${date}T${time}+05:30`);
}

function options(scenario: Scenario | undefined, overrides: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return {
    instruments,
    symbols: ['NIFTY'],
    expiriesPerSymbol: 1,
    seed: 42,
    tickIntervalMs: 1000,
    speed: 60, // one simulated minute per tick
    clock: 'always-open',
    startTime: ist('2026-01-05', '10:00'),
    ...(scenario === undefined ? {} : { scenario }),
    ...overrides,
  };
}

/** The NIFTY nearest-expiry snapshot of each of `minutes` ticks. */
function run(scenario: Scenario | undefined, minutes: number, overrides: Partial<SimulatorOptions> = {}): RawSnapshot[] {
  const sim = new MarketSimulator(options(scenario, overrides));
  return Array.from({ length: minutes }, () => sim.tick()[0]);
}

const named = (name: string): Scenario => namedScenario(name)!;

function quote(snapshot: RawSnapshot, strike: number, kind: 'call' | 'put'): RawQuote {
  const row = snapshot.rows.find((r) => r.strike === strike);
  const side = row?.[kind];
  if (side == null) throw new Error(`no ${kind} at ${strike} at ${new Date(snapshot.timestamp).toISOString()}`);
  return side;
}

const atmStrike = (snapshot: RawSnapshot) => snapshot.rows[ATM].strike;
const spread = (q: RawQuote) => (q.bid == null ? NaN : q.ask! - q.bid);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** One-minute log returns of spot over minutes from..to−1. */
const logReturns = (xs: RawSnapshot[], from: number, to: number) => range(from, to).map((t) => Math.log(xs[t].spot / xs[t - 1].spot));

/** Largest OI change of one side at one strike in any minute from..to−1, contracts. */
function largestOiStep(snapshots: RawSnapshot[], strike: number, kind: 'call' | 'put', from: number, to: number): number {
  return Math.max(...range(Math.max(1, from), to).map((t) => Math.abs(quote(snapshots[t], strike, kind).oi! - quote(snapshots[t - 1], strike, kind).oi!)));
}

/**
 * What the other tests rely on, for every quote of every tick: prices on the
 * tick with bid < ask, whole non-negative OI and volume, volume never falling
 * within a session, |ΔOI| ≤ Δvolume, and no arbitrage (above intrinsic,
 * put-call parity on the future within the spreads). Collects the violations
 * rather than asserting each value, so a failure lists them all.
 */
function expectConsistent(snapshots: RawSnapshot[]): void {
  const violations: string[] = [];
  const previous = new Map<string, RawQuote>();
  let previousDate = '';
  for (const snapshot of snapshots) {
    const date = istDate(snapshot.timestamp);
    if (date !== previousDate) previous.clear();
    previousDate = date;
    const at = new Date(snapshot.timestamp).toISOString();
    const discount = Math.exp(-RATE * yearsToExpiry(snapshot.timestamp, expiryInstant(snapshot.expiry)));
    const future = snapshot.future!;
    if (!(snapshot.vix! > 0)) violations.push(`${at} VIX ${snapshot.vix}`);
    for (const { strike, call, put } of snapshot.rows) {
      for (const [kind, q] of [
        ['call', call],
        ['put', put],
      ] as const) {
        if (q == null) continue;
        const where = `${at} ${kind} ${strike}`;
        for (const price of [q.bid, q.ask, q.ltp]) if (price != null && Math.abs(price / TICK - Math.round(price / TICK)) > 1e-6) violations.push(`${where} price ${price} off the tick`);
        if (q.bid != null && !(q.ask! > q.bid)) violations.push(`${where} bid ${q.bid} ≥ ask ${q.ask}`);
        if ((q.bidQty == null) !== (q.bid == null)) violations.push(`${where} bidQty ${q.bidQty} with bid ${q.bid}`);
        for (const n of [q.oi!, q.volume!]) if (!(Number.isInteger(n) && n >= 0)) violations.push(`${where} OI/volume ${n}`);
        const intrinsic = discount * (kind === 'call' ? future - strike : strike - future);
        if (q.ask! < intrinsic) violations.push(`${where} ask ${q.ask} under intrinsic ${intrinsic}`);
        const key = `${kind}${strike}`;
        const old = previous.get(key);
        if (old) {
          if (q.volume! < old.volume!) violations.push(`${where} volume fell ${old.volume} → ${q.volume}`);
          if (Math.abs(q.oi! - old.oi!) > q.volume! - old.volume!) violations.push(`${where} OI moved ${q.oi! - old.oi!} on ${q.volume! - old.volume!} traded`);
        }
        previous.set(key, q);
      }
      if (call?.bid != null && put?.bid != null) {
        const mid = (q: RawQuote) => (q.bid! + q.ask!) / 2;
        const tolerance = (spread(call) + spread(put)) / 2 + TICK;
        const gap = Math.abs(mid(call) - mid(put) - discount * (future - strike));
        if (gap > tolerance) violations.push(`${at} ${strike} put-call parity off by ${gap} (spreads allow ${tolerance})`);
      }
    }
  }
  expect(violations.slice(0, 20)).toEqual([]);
}

describe('scenarios in the simulator', () => {
  const quiet = run(undefined, 120);

  it('quiet is the random walk alone, snapshot for snapshot', () => {
    expect(run(named('quiet'), 120)).toEqual(quiet);
  });

  it('quiet shows none of the scripted effects: no strike gains or loses 1000 contracts a minute for 20 minutes, no 20-minute VIX climb of 2 points, no wide ATM spread, no bidless outer strikes', () => {
    const s = run(named('quiet'), 120);
    for (const t of range(20, 120)) {
      for (const row of s[t].rows) {
        for (const kind of ['call', 'put'] as const) {
          const [now, then] = [row[kind], s[t - 20].rows.find((r) => r.strike === row.strike)?.[kind]];
          if (now != null && then != null) expect(Math.abs(now.oi! - then.oi!)).toBeLessThan(20 * 1000);
        }
      }
      expect(s[t].vix! - s[t - 20].vix!).toBeLessThan(2);
      expect(Math.abs(s[t].rows[ATM].call!.sourceIv! - s[t - 20].rows[ATM].call!.sourceIv!)).toBeLessThan(0.02);
      expect(spread(s[t].rows[ATM].call!)).toBeLessThanOrEqual(0.5);
      expect(s[t].rows.filter((_, i) => Math.abs(i - ATM) >= 14).some((r) => r.call?.bid != null || r.put?.bid != null)).toBe(true);
    }
  });

  it('are deterministic for a seed', () => {
    const scenario = named('session');
    const overrides = { clock: 'market' as const, startTime: ist('2026-01-05', '09:15'), symbols: ['NIFTY', 'BANKNIFTY'] };
    expect(run(scenario, 260, overrides)).toEqual(run(scenario, 260, overrides));
  });

  it('trend-up-with-put-writing: spot rallies from minute 15, put OI at ATM-2 grows 3000 a minute over minutes 20-64 with its price falling, call OI at ATM+2 is covered', () => {
    const s = run(named('trend-up-with-put-writing'), 90);
    expectConsistent(s);
    expect(s.slice(0, 15)).toEqual(quiet.slice(0, 15));
    expect(s[15].spot).toBeGreaterThan(quiet[15].spot);
    expect(s[75].spot / s[14].spot - 1).toBeGreaterThan(0.009); // 0.02 %/min for 60 minutes ≈ +1.2 %

    const put = atmStrike(s[20]) - 2 * NIFTY_STEP;
    const call = atmStrike(s[20]) + 2 * NIFTY_STEP;
    // Before minute 20 the strike moves like any other; from 20 to 64 it gains about 3000 contracts a minute.
    expect(largestOiStep(s, put, 'put', 1, 20)).toBeLessThan(1000);
    for (const t of range(20, 65)) {
      const [before, now] = [quote(s[t - 1], put, 'put'), quote(s[t], put, 'put')];
      expect(now.oi! - before.oi!).toBeGreaterThan(3000 - (now.volume! - before.volume! - 3000));
    }
    const written = quote(s[64], put, 'put').oi! - quote(s[19], put, 'put').oi!;
    expect(written / 45).toBeGreaterThan(0.85 * 3000);
    expect(written / 45).toBeLessThan(1.15 * 3000);
    expect(largestOiStep(s, put, 'put', 66, 90)).toBeLessThan(1000);
    // Short buildup (price down, OI up), and the written strike is now the largest put OI: support moved up to it.
    expect(quote(s[64], put, 'put').ltp!).toBeLessThan(quote(s[19], put, 'put').ltp!);
    const largestPut = s[64].rows.reduce((a, b) => ((b.put?.oi ?? 0) > (a.put?.oi ?? 0) ? b : a));
    expect(largestPut.strike).toBe(put);
    expect(quiet[64].rows.find((r) => r.strike === put)!.put!.oi!).toBeLessThan(quote(s[64], put, 'put').oi! - 100_000);
    // Short covering on the call (price up, OI down about 800 a minute).
    const covered = quote(s[19], call, 'call').oi! - quote(s[64], call, 'call').oi!;
    expect(covered / 45).toBeGreaterThan(0.8 * 800);
    expect(covered / 45).toBeLessThan(1.2 * 800);
    expect(quote(s[64], call, 'call').ltp!).toBeGreaterThan(quote(s[19], call, 'call').ltp!);
  });

  it('vol-spike: IV and VIX up 6 points and spot 2.5 times as volatile over minutes 35-55 (ramped from 30), gone by 60', () => {
    const s = run(named('vol-spike'), 90);
    expectConsistent(s);
    expect(s.slice(0, 31)).toEqual(quiet.slice(0, 31)); // a ramp starts at 0: minute 30 is still unchanged
    expect(s[31].vix!).toBeGreaterThan(quiet[31].vix! + 0.5);
    const ivLift = (t: number) => 100 * (s[t].rows[ATM].call!.sourceIv! - quiet[t].rows[ATM].call!.sourceIv!);
    for (const t of range(35, 55)) {
      expect(ivLift(t)).toBeGreaterThan(4.5);
      expect(ivLift(t)).toBeLessThan(7.5);
      expect(s[t].vix! - quiet[t].vix!).toBeGreaterThan(5);
      expect(s[t].vix! - quiet[t].vix!).toBeLessThan(7.5);
    }
    // 20 one-minute returns: a ratio of 2.5 measured within sampling noise (the realized multiplier is pinned more tightly below).
    expect(sd(logReturns(s, 36, 56)) / sd(logReturns(quiet, 36, 56))).toBeGreaterThan(1.4);
    // After the spike the random paths differ (a jump in one of them moves IV a point or so), but the 6 points are gone.
    for (const t of range(60, 90)) expect(Math.abs(ivLift(t))).toBeLessThan(2.5);
  });

  it('liquidity-crunch: spreads four times as wide, a quarter of the depth and the outer 30 % of strikes without bids over minutes 20-49, trading untouched', () => {
    const s = run(named('liquidity-crunch'), 70);
    expectConsistent(s);
    expect(s.slice(0, 20)).toEqual(quiet.slice(0, 20));
    for (const t of range(20, 70)) {
      // A crunch moves quotes only: spot, OI and volume follow the quiet market exactly.
      expect(s[t].spot).toBe(quiet[t].spot);
      const crunch = t < 50;
      let depth = 0;
      let quietDepth = 0;
      s[t].rows.forEach((row, i) => {
        const q = quiet[t].rows[i];
        expect(row.strike).toBe(q.strike);
        for (const kind of ['call', 'put'] as const) {
          const [side, calm] = [row[kind], q[kind]];
          if (side == null || calm == null) continue;
          expect([side.oi, side.volume]).toEqual([calm.oi, calm.volume]);
          depth += side.askQty!;
          quietDepth += calm.askQty!;
          if (!crunch) {
            expect([side.bid, side.ask]).toEqual([calm.bid, calm.ask]);
            continue;
          }
          if (Math.abs(i - ATM) >= 14) expect(side.bid).toBeNull();
          else if (side.bid != null && calm.bid != null) {
            expect(spread(side)).toBeGreaterThanOrEqual(4 * (spread(calm) - 2 * TICK) - 1e-9);
            expect(spread(side)).toBeLessThanOrEqual(4 * spread(calm) + 2 * TICK + 1e-9);
          }
        }
      });
      if (crunch) expect(depth / quietDepth).toBeLessThan(0.4);
      else expect(depth).toBe(quietDepth);
    }
    expect(spread(s[20].rows[ATM].call!)).toBeGreaterThan(3 * spread(quiet[20].rows[ATM].call!));
  });

  it('vix-divergence: VIX climbs 4 points over minutes 20-40 while spot rallies, the option IVs unchanged', () => {
    const s = run(named('vix-divergence'), 90);
    expectConsistent(s);
    expect(s.slice(0, 20)).toEqual(quiet.slice(0, 20));
    expect(s[40].vix! - s[20].vix!).toBeGreaterThan(3);
    expect(s[40].spot / s[20].spot - 1).toBeGreaterThan(0.002);
    expect(s[40].vix! - quiet[40].vix!).toBeGreaterThan(3.3);
    expect(s[40].vix! - quiet[40].vix!).toBeLessThan(4.7);
    for (const t of range(20, 60)) expect(Math.abs(s[t].rows[ATM].call!.sourceIv! - quiet[t].rows[ATM].call!.sourceIv!)).toBeLessThan(0.01);
    for (const t of range(60, 90)) expect(Math.abs(s[t].vix! - quiet[t].vix!)).toBeLessThan(0.7);
  });

  it('session: the day plays out at its minutes from the 09:15 open, and again the next session', () => {
    const overrides = { clock: 'market' as const, startTime: ist('2026-01-05', '09:15') };
    const s = run(named('session'), 375 + 110, overrides);
    const calm = run(undefined, 375 + 110, overrides);
    expectConsistent(s);
    expect(s.slice(0, 30)).toEqual(calm.slice(0, 30));
    expect(s[375].timestamp).toBe(ist('2026-01-06', '09:15'));

    for (const open of [0, 375]) {
      // 10:00-11:00 put writing at ATM-2, 2000 contracts a minute (the market clock's faster OI relaxation adds up to ±30 %).
      const put = atmStrike(s[open + 45]) - 2 * NIFTY_STEP;
      expect(largestOiStep(s, put, 'put', open + 31, open + 45)).toBeLessThan(1000);
      const written = quote(s[open + 104], put, 'put').oi! - quote(s[open + 44], put, 'put').oi!;
      expect(written / 60).toBeGreaterThan(0.7 * 2000);
      expect(written / 60).toBeLessThan(1.3 * 2000);
    }
    // 09:45-11:15 rally.
    expect(s[120].spot / s[29].spot - 1).toBeGreaterThan(0.007);
    // 11:45-12:25 VIX up about 3 points at 12:05 while spot rises.
    expect(s[170].vix! - s[150].vix!).toBeGreaterThan(2);
    expect(s[170].spot).toBeGreaterThan(s[150].spot);
    // 12:45-13:05 sell-off with a vol spike; call writing at ATM+2 from 12:50.
    expect(s[230].spot / s[209].spot - 1).toBeLessThan(-0.006);
    expect(s[225].vix! - s[209].vix!).toBeGreaterThan(3);
    const call = atmStrike(s[215]) + 2 * NIFTY_STEP;
    const callWritten = quote(s[254], call, 'call').oi! - quote(s[214], call, 'call').oi!;
    expect(callWritten / 40).toBeGreaterThan(0.7 * 2000);
    expect(callWritten / 40).toBeLessThan(1.3 * 2000);
    // 13:15-13:35 liquidity crunch: the outer quarter of the window has no bids, which it had before and has after.
    const outerBids = (t: number) => s[t].rows.filter((_, i) => Math.abs(i - ATM) >= 15).filter((r) => r.call?.bid != null || r.put?.bid != null).length;
    expect(outerBids(239)).toBeGreaterThan(0);
    for (const t of range(240, 260)) expect(outerBids(t)).toBe(0);
    expect(outerBids(260)).toBeGreaterThan(0);
  });
});

describe('scenario clocks', () => {
  it('under always-open, a session-open anchor counts minutes from IST midnight', () => {
    // The run starts at 10:00 IST: minute 610 of the IST day is its tenth tick.
    const at1010 = parseScenario({ name: 'a', anchor: 'session-open', events: [{ kind: 'vixDivergence', atMinute: 610, forMinutes: 5, vixPoints: 10 }] }, 'test');
    const [s, calm] = [run(at1010, 20), run(undefined, 20)];
    expect(s.slice(0, 10)).toEqual(calm.slice(0, 10));
    for (const t of range(10, 15)) expect(s[t].vix! - calm[t].vix!).toBeCloseTo(10, 1);
    expect(s[15].vix!).toBe(calm[15].vix!);
  });

  it('under the market clock, a start anchor counts trading minutes, skipping the night', () => {
    // From Monday 15:00 IST: minute 40 is Tuesday 09:25.
    const next = parseScenario({ name: 'b', events: [{ kind: 'vixDivergence', atMinute: 40, forMinutes: 1, vixPoints: 10 }] }, 'test');
    const overrides = { clock: 'market' as const, startTime: ist('2026-01-05', '15:00') };
    const [s, calm] = [run(next, 45, overrides), run(undefined, 45, overrides)];
    expect(s[40].timestamp).toBe(ist('2026-01-06', '09:25'));
    expect(s.slice(0, 40)).toEqual(calm.slice(0, 40));
    expect(s[40].vix! - calm[40].vix!).toBeCloseTo(10, 1);
    expect(s[41].vix!).toBe(calm[41].vix!);
  });
});

describe('scripted volatility', () => {
  it('scales the realized volatility of spot by realizedVolMultiplier, apart from the implied', () => {
    const spike = parseScenario({ name: 'r', events: [{ kind: 'volSpike', atMinute: 0, forMinutes: 1000, ivPoints: 0, realizedVolMultiplier: 2.5 }] }, 'test');
    const overrides = { jumpsPerSession: 0 };
    const [s, calm] = [run(spike, 400, overrides), run(undefined, 400, overrides)];
    const ratio = sd(logReturns(s, 1, 400)) / sd(logReturns(calm, 1, 400));
    expect(ratio).toBeGreaterThan(2.2);
    expect(ratio).toBeLessThan(2.8);
    for (const t of [100, 200, 300]) expect(Math.abs(s[t].vix! - calm[t].vix!)).toBeLessThan(1);
  });
});

describe('scripted OI flows', () => {
  const writing = parseScenario({ name: 'w', events: [{ kind: 'writing', atMinute: 1, forMinutes: 2, side: 'put', strikeOffset: -3, contractsPerMinute: 90 }] }, 'test');

  it('trade whole contracts at n a minute whatever the tick rate, the fractions carried over', () => {
    // One simulated second per tick: 1.5 contracts a tick.
    const overrides = { speed: 1 };
    const s = run(writing, 200, overrides);
    const calm = run(undefined, 200, overrides);
    expect(s.slice(0, 60)).toEqual(calm.slice(0, 60));
    const strike = atmStrike(s[60]) - 3 * NIFTY_STEP;
    // Writing alone draws nothing from the PRNG: the extra volume is exactly the scripted contracts.
    const extra = (t: number) => quote(s[t], strike, 'put').volume! - quote(calm[t], strike, 'put').volume!;
    expect(extra(59)).toBe(0);
    expect(range(60, 180).map((t) => extra(t) - extra(t - 1)).every((n) => n === 1 || n === 2)).toBe(true);
    expect(extra(179)).toBe(180);
    expect(extra(199)).toBe(180);
    expect(quote(s[179], strike, 'put').oi! - quote(calm[179], strike, 'put').oi!).toBeGreaterThan(170);
  });

  it('never close more than the open interest there is', () => {
    const unwinding = parseScenario({ name: 'u', events: [{ kind: 'unwinding', atMinute: 5, forMinutes: 30, side: 'call', strikeOffset: 1, contractsPerMinute: 50_000 }] }, 'test');
    const s = run(unwinding, 40);
    expectConsistent(s);
    const strike = atmStrike(s[5]) + NIFTY_STEP;
    expect(quote(s[4], strike, 'call').oi!).toBeGreaterThan(50_000);
    expect(quote(s[20], strike, 'call').oi!).toBe(0);
  });

  it('refuse a scenario the simulator cannot play, by name', () => {
    expect(() => new MarketSimulator(options(named('trend-up-with-put-writing'), { strikesEachSide: 1 }))).toThrow(/trend-up-with-put-writing.*strikeOffset: -2 is outside/);
  });
});

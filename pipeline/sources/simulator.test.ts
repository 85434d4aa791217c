import { describe, expect, it } from 'vitest';
import { holidaySet, isTradingDay, sessionBounds } from '../../core/calendar.ts';
import { instrumentTable } from '../../core/instruments.ts';
import { parseRawSnapshot, rawRowSchema, type RawQuote, type RawSnapshot } from '../../core/models.ts';
import { expiryInstant, istDate, yearsToExpiry } from '../../core/time/expiry.ts';
import { MarketSimulator, type SimulatorOptions } from './simulator.ts';
import { mulberry32 } from '../../core/random.ts';

const instruments = instrumentTable();
const RATE = 0.065;
const TICK = 0.05;
const MINUTE = 60_000;

/** Epoch ms of an IST wall-clock time. */
function ist(date: string, time: string): number {
  return Date.parse(`${date}T${time}+05:30`);
}

function simulator(overrides: Partial<SimulatorOptions> = {}): MarketSimulator {
  return new MarketSimulator({
    instruments,
    seed: 42,
    tickIntervalMs: 1000,
    speed: 60, // one simulated minute per tick
    clock: 'always-open',
    startTime: ist('2026-01-05', '10:00'),
    ...overrides,
  });
}

function run(sim: MarketSimulator, ticks: number): RawSnapshot[][] {
  return Array.from({ length: ticks }, () => sim.tick());
}

function sides(snapshot: RawSnapshot): { strike: number; kind: 'call' | 'put'; quote: RawQuote }[] {
  const out: { strike: number; kind: 'call' | 'put'; quote: RawQuote }[] = [];
  for (const row of snapshot.rows) {
    if (row.call) out.push({ strike: row.strike, kind: 'call', quote: row.call });
    if (row.put) out.push({ strike: row.strike, kind: 'put', quote: row.put });
  }
  return out;
}

describe('mulberry32', () => {
  it('is a deterministic uniform stream in [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((s, x) => s + x, 0) / draws.length).toBeCloseTo(0.5, 1);
  });
});

describe('MarketSimulator snapshots', () => {
  it('are identical for the same seed and differ for another seed', () => {
    const a = run(simulator({ symbols: ['NIFTY', 'SENSEX'] }), 15);
    const b = run(simulator({ symbols: ['NIFTY', 'SENSEX'] }), 15);
    const c = run(simulator({ symbols: ['NIFTY', 'SENSEX'], seed: 43 }), 15);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(c[0][0].timestamp).toBe(a[0][0].timestamp);
  });

  it('emit one valid snapshot per symbol and expiry, with unique ids and every strike on the grid', () => {
    const sim = simulator({ strikesEachSide: 20 });
    const ids = new Set<string>();
    for (const snapshots of run(sim, 5)) {
      expect(snapshots.map((s) => s.symbol)).toEqual(['NIFTY', 'NIFTY', 'BANKNIFTY', 'BANKNIFTY', 'FINNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'MIDCPNIFTY', 'SENSEX', 'SENSEX']);
      for (const snapshot of snapshots) {
        const parsed = parseRawSnapshot(JSON.parse(JSON.stringify(snapshot)));
        expect(parsed.source).toBe('simulator');
        expect(Number.isInteger(parsed.timestamp)).toBe(true);
        ids.add(parsed.id);
        const step = instruments.get(snapshot.symbol)!.strikeStep;
        expect(snapshot.rows).toHaveLength(41);
        snapshot.rows.forEach((row, i) => {
          expect(rawRowSchema.safeParse(row).success).toBe(true);
          expect(row.strike % step).toBe(0);
          if (i > 0) expect(row.strike - snapshot.rows[i - 1].strike).toBe(step);
        });
        // The window is centred on the strike nearest spot.
        expect(Math.abs(snapshot.rows[20].strike - snapshot.spot)).toBeLessThanOrEqual(step / 2);
      }
    }
    expect(ids.size).toBe(50);
  });

  it('quote prices on the 0.05 tick with bid < ask, sizes in whole lots and IV as a decimal', () => {
    for (const snapshot of simulator({ symbols: ['NIFTY', 'MIDCPNIFTY'] }).tick()) {
      const lot = instruments.get(snapshot.symbol)!.lotSize;
      for (const { quote } of sides(snapshot)) {
        for (const price of [quote.bid, quote.ask, quote.ltp]) {
          if (price == null) continue;
          expect(price).toBeGreaterThan(0);
          expect(Math.abs(price * 20 - Math.round(price * 20))).toBeLessThan(1e-6);
        }
        if (quote.bid != null) expect(quote.ask!).toBeGreaterThan(quote.bid);
        if (quote.bidQty != null) expect(quote.bidQty % lot).toBe(0);
        expect(quote.askQty! % lot).toBe(0);
        expect(quote.sourceIv!).toBeGreaterThanOrEqual(0);
        expect(quote.sourceIv!).toBeLessThan(1);
      }
    }
  });

  it('price options without arbitrage: above discounted intrinsic, and put-call parity on the future within the spreads', () => {
    const sim = simulator({ symbols: ['NIFTY', 'BANKNIFTY'] });
    for (const snapshots of run(sim, 30)) {
      for (const snapshot of snapshots) {
        const discount = Math.exp(-RATE * yearsToExpiry(snapshot.timestamp, expiryInstant(snapshot.expiry)));
        const future = snapshot.future!;
        for (const row of snapshot.rows) {
          const { call, put, strike } = row;
          const mid = (q: RawQuote) => (q.bid == null ? NaN : (q.bid + q.ask!) / 2);
          if (call) {
            expect(call.ask!).toBeGreaterThanOrEqual(discount * (future - strike));
            if (call.bid != null) expect(mid(call)).toBeGreaterThanOrEqual(discount * (future - strike) - TICK);
          }
          if (put) {
            expect(put.ask!).toBeGreaterThanOrEqual(discount * (strike - future));
            if (put.bid != null) expect(mid(put)).toBeGreaterThanOrEqual(discount * (strike - future) - TICK);
          }
          if (call?.bid != null && put?.bid != null) {
            const tolerance = (call.ask! - call.bid + put.ask! - put.bid!) / 2 + TICK;
            expect(Math.abs(mid(call) - mid(put) - discount * (future - strike))).toBeLessThanOrEqual(tolerance);
          }
        }
      }
    }
  });

  it('prices futures near fair carry above spot, and India VIX near NIFTY ATM IV in points', () => {
    const [near] = simulator({ symbols: ['NIFTY'] }).tick();
    const tYears = yearsToExpiry(near.timestamp, expiryInstant(near.expiry));
    expect(near.future!).toBeGreaterThan(near.spot);
    expect(near.future! / (near.spot * Math.exp((RATE - 0.013) * tYears)) - 1).toBeLessThan(5e-4);
    const atm = near.rows[20];
    expect(near.vix!).toBeGreaterThan(atm.call!.sourceIv! * 100 * 0.8);
    expect(near.vix!).toBeLessThan(atm.call!.sourceIv! * 100 * 1.5);
  });

  it('concentrate OI at round strikes, the largest put OI (support) below the largest call OI (resistance)', () => {
    for (const seed of [1, 2, 3]) {
      for (const snapshot of simulator({ seed, symbols: ['NIFTY', 'BANKNIFTY'] }).tick()) {
        const step = instruments.get(snapshot.symbol)!.strikeStep;
        const maxBy = (kind: 'call' | 'put') => sides(snapshot).filter((s) => s.kind === kind).reduce((a, b) => (b.quote.oi! > a.quote.oi! ? b : a)).strike;
        const [support, resistance] = [maxBy('put'), maxBy('call')];
        expect(support).toBeLessThan(resistance);
        expect(support).toBeLessThanOrEqual(snapshot.future! + step);
        for (const strike of [support, resistance]) expect(strike % (2 * step) === 0 || strike % (5 * step) === 0).toBe(true);
      }
    }
  });

  it('leave a side out only on deep strikes, and only now and then', () => {
    let missing = 0;
    let deepSides = 0;
    for (const [snapshot] of run(simulator({ symbols: ['NIFTY'], expiriesPerSymbol: 1 }), 100)) {
      snapshot.rows.forEach((row, i) => {
        const distance = Math.abs(i - 20);
        if (distance < 15) expect(row.call !== null && row.put !== null).toBe(true);
        else deepSides += 2;
        if (row.call === null) missing++;
        if (row.put === null) missing++;
        expect(row.call !== null || row.put !== null).toBe(true);
      });
    }
    expect(missing).toBeGreaterThan(0);
    expect(missing / deepSides).toBeLessThan(0.1);
  });
});

describe('MarketSimulator volume and OI', () => {
  /** Three sessions in 15-minute steps under the market clock. */
  function threeSessions(): RawSnapshot[] {
    const sim = simulator({ symbols: ['NIFTY'], expiriesPerSymbol: 1, clock: 'market', speed: 900, startTime: ist('2026-01-07', '09:15') });
    return run(sim, 75).map(([s]) => s);
  }

  it('accumulate volume through a session and reset it at the next, carrying the close and OI over', () => {
    const snapshots = threeSessions();
    let resets = 0;
    for (let t = 1; t < snapshots.length; t++) {
      const [before, after] = [snapshots[t - 1], snapshots[t]];
      const previous = new Map(sides(before).map((s) => [`${s.kind}${s.strike}`, s.quote]));
      const sameSession = istDate(before.timestamp) === istDate(after.timestamp);
      if (!sameSession) resets++;
      for (const { kind, strike, quote } of sides(after)) {
        const old = previous.get(`${kind}${strike}`);
        if (old === undefined) continue;
        if (sameSession) {
          expect(quote.volume!).toBeGreaterThanOrEqual(old.volume!);
          expect(quote.previousOi).toBe(old.previousOi);
          expect(quote.previousClose).toBe(old.previousClose);
        } else {
          expect(quote.previousOi).toBe(old.oi);
          expect(quote.previousClose).toBe(old.ltp);
          expect(quote.volume!).toBeLessThan(Math.max(old.volume!, 1));
        }
      }
    }
    expect(resets).toBe(2);
  });

  it('change OI by no more than the contracts traded', () => {
    const snapshots = threeSessions();
    for (let t = 1; t < snapshots.length; t++) {
      if (istDate(snapshots[t - 1].timestamp) !== istDate(snapshots[t].timestamp)) continue;
      const previous = new Map(sides(snapshots[t - 1]).map((s) => [`${s.kind}${s.strike}`, s.quote]));
      for (const { kind, strike, quote } of sides(snapshots[t])) {
        const old = previous.get(`${kind}${strike}`);
        if (old) expect(Math.abs(quote.oi! - old.oi!)).toBeLessThanOrEqual(quote.volume! - old.volume!);
      }
    }
  });

  it('show all four OI buildups, tick over tick and against the previous session', () => {
    const tickOverTick = new Set<string>();
    const sincePreviousClose = new Set<string>();
    const label = (dPrice: number, dOi: number) =>
      dPrice > 0 && dOi > 0 ? 'long buildup' : dPrice < 0 && dOi > 0 ? 'short buildup' : dPrice > 0 && dOi < 0 ? 'short covering' : dPrice < 0 && dOi < 0 ? 'long unwinding' : null;
    const previous = new Map<string, RawQuote>();
    for (const [snapshot] of run(simulator({ symbols: ['NIFTY'], expiriesPerSymbol: 1 }), 300)) {
      for (const { kind, strike, quote } of sides(snapshot)) {
        const key = `${kind}${strike}`;
        const old = previous.get(key);
        if (old) {
          const kind1 = label(quote.ltp! - old.ltp!, quote.oi! - old.oi!);
          if (kind1) tickOverTick.add(kind1);
        }
        const kind2 = label(quote.ltp! - quote.previousClose!, quote.oi! - quote.previousOi!);
        if (kind2) sincePreviousClose.add(kind2);
        previous.set(key, quote);
      }
    }
    const all = ['long buildup', 'long unwinding', 'short buildup', 'short covering'];
    expect([...tickOverTick].sort()).toEqual(all);
    expect([...sincePreviousClose].sort()).toEqual(all);
  });
});

describe('MarketSimulator clock and expiries', () => {
  it('under the market clock stays inside 09:15–15:30 IST on trading days, skipping nights, weekends and holidays', () => {
    const holidays = holidaySet(['2026-01-12']); // a Monday
    // Start on a Saturday: the first tick is the next open, Tuesday 13th (Monday 12th is a holiday).
    const sim = simulator({ symbols: ['NIFTY'], expiriesPerSymbol: 1, clock: 'market', speed: 1200, holidays, startTime: ist('2026-01-10', '12:00') });
    const times = run(sim, 100).map(([s]) => s.timestamp);
    expect(times[0]).toBe(ist('2026-01-13', '09:15'));
    const dates = new Set<string>();
    for (let i = 0; i < times.length; i++) {
      const date = istDate(times[i]);
      dates.add(date);
      expect(isTradingDay(date, holidays)).toBe(true);
      const { opensAt, closesAt } = sessionBounds(date);
      expect(times[i]).toBeGreaterThanOrEqual(opensAt);
      expect(times[i]).toBeLessThan(closesAt);
      // 20 minutes of trading time between ticks: 20 minutes of wall time, or a close-to-open jump.
      if (i > 0 && date === istDate(times[i - 1])) expect(times[i] - times[i - 1]).toBe(20 * MINUTE);
    }
    // 100 ticks of 20 minutes at 18.75 ticks a session: Tuesday 13th to Monday 19th, over the weekend.
    expect([...dates]).toEqual(['2026-01-13', '2026-01-14', '2026-01-15', '2026-01-16', '2026-01-19', '2026-01-20']);
  });

  it('under the always-open clock runs through the night in equal steps', () => {
    const sim = simulator({ symbols: ['NIFTY'], expiriesPerSymbol: 1, speed: 3600, startTime: ist('2026-01-09', '20:00') });
    const times = run(sim, 30).map(([s]) => s.timestamp);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(3_600_000);
  });

  it('lists weekly NIFTY and SENSEX expiries and monthly BANKNIFTY ones from the calendar', () => {
    const snapshots = simulator({ symbols: ['NIFTY', 'BANKNIFTY', 'SENSEX'] }).tick();
    expect(snapshots.map((s) => `${s.symbol} ${s.expiry}`)).toEqual([
      'NIFTY 2026-01-06',
      'NIFTY 2026-01-13',
      'BANKNIFTY 2026-01-27',
      'BANKNIFTY 2026-02-24',
      'SENSEX 2026-01-08',
      'SENSEX 2026-01-15',
    ]);
  });

  it('never emits an expired expiry and rolls to the next one at the close', () => {
    // Expiry Tuesday 6 January, 15:00 IST, 10-minute steps under the market clock.
    const sim = simulator({ symbols: ['NIFTY'], clock: 'market', speed: 600, startTime: ist('2026-01-06', '15:00') });
    const ticks = run(sim, 6);
    for (const snapshots of ticks) for (const s of snapshots) expect(expiryInstant(s.expiry)).toBeGreaterThan(s.timestamp);
    expect(ticks[2].map((s) => s.expiry)).toEqual(['2026-01-06', '2026-01-13']); // 15:20
    expect(istDate(ticks[3][0].timestamp)).toBe('2026-01-07');
    expect(ticks[3].map((s) => s.expiry)).toEqual(['2026-01-13', '2026-01-20']);
  });

  it('moves a holiday expiry to the trading day before', () => {
    const holidays = holidaySet(['2026-01-06']);
    const [near] = simulator({ symbols: ['NIFTY'], clock: 'market', holidays }).tick();
    expect(near.expiry).toBe('2026-01-05');
  });
});

describe('MarketSimulator as a Source', () => {
  it('emits snapshots on its timer, counts them, and stops after the emit in flight', async () => {
    const sim = simulator({ symbols: ['NIFTY'], tickIntervalMs: 5 });
    const received: RawSnapshot[] = [];
    let release: (() => void) | undefined;
    let stopping = false;
    await sim.start(async (snapshot) => {
      received.push(snapshot);
      if (received.length === 6) await new Promise<void>((resolve) => (release = resolve));
    });
    expect(sim.status().state).toBe('running');
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
    const stopped = sim.stop().then(() => (stopping = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopping).toBe(false); // waits for the emit in flight
    release();
    await stopped;
    const count = received.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(received.length).toBe(count);
    expect(count).toBe(6);
    expect(sim.status()).toEqual({ name: 'simulator', state: 'stopped', snapshotsEmitted: 6, rejected: {} });
    expect(received.map((s) => s.id)).toEqual([...new Set(received.map((s) => s.id))]);
  });

  it('reports a failing consumer as degraded and keeps producing', async () => {
    const sim = simulator({ symbols: ['NIFTY'], tickIntervalMs: 2 });
    let calls = 0;
    await sim.start(() => {
      calls++;
      throw new Error('bus down');
    });
    while (calls < 3) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(sim.status()).toMatchObject({ state: 'degraded', message: 'emit failed: bus down', snapshotsEmitted: 0 });
    await sim.stop();
    expect(sim.status().state).toBe('stopped');
  });

  it('rejects bad options by name', () => {
    expect(() => simulator({ symbols: ['NIFTYX'] })).toThrow(/NIFTYX/);
    expect(() => simulator({ speed: 0 })).toThrow(/speed/);
    expect(() => simulator({ tickIntervalMs: -1 })).toThrow(/tickIntervalMs/);
  });
});

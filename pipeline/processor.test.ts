import { describe, expect, it } from 'vitest';
import { enrichSnapshot, processRaw, startProcessor } from './processor.ts';
import { InProcessBus, TOPICS, type DeadLetter } from './bus.ts';
import { simulatedRawSnapshots } from '../test/fixtures.ts';
import { MarketSimulator } from './sources/simulator.ts';
import { instrumentTable } from '../core/instruments.ts';
import { optionGreeks } from '../core/pricing/black.ts';
import { expiryInstant, yearsToExpiry } from '../core/time/expiry.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';

const instruments = instrumentTable();
const nifty = instruments.get('NIFTY')!;
const START = Date.UTC(2026, 10, 23, 5, 0); // Monday 10:30 IST

function simulatedChain(): RawSnapshot {
  const simulator = new MarketSimulator({ instruments, symbols: ['NIFTY'], seed: 7, tickIntervalMs: 1000, speed: 60, clock: 'market', startTime: START, strikesEachSide: 10, expiriesPerSymbol: 1 });
  return simulator.tick()[0];
}

describe('enriching a snapshot', () => {
  it('recovers the IV that priced each quote, and Greeks equal to the pricer at that IV', () => {
    const raw = simulatedChain();
    const enriched = enrichSnapshot(raw, { instrument: nifty, rate: 0.065 });
    const tYears = yearsToExpiry(raw.timestamp, expiryInstant(raw.expiry));
    expect(enriched.tYears).toBeCloseTo(tYears, 12);
    expect(enriched.forwardSource).toBe('future');
    let checked = 0;
    for (const row of enriched.rows) {
      const quote = row.call;
      if (!quote || quote.iv === null || quote.bid === null || quote.ask === null || !(quote.bid > 0)) continue;
      // Independent check: reprice the mid at our IV off the future with Black-76.
      const mid = 0.5 * (quote.bid + quote.ask);
      const repriced = optionGreeks({ model: 'black76', underlying: raw.future!, strike: row.strike, tYears, vol: quote.iv, rate: 0.065, type: 'call' });
      expect(repriced.price).toBeCloseTo(mid, 8);
      // Spot delta = forward delta × F/S (the forward moves with spot).
      expect(quote.delta!).toBeCloseTo(repriced.delta * (raw.future! / raw.spot), 8);
      expect(quote.vega!).toBeCloseTo(repriced.vega, 8);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    expect(enriched.analytics.atmStrike).not.toBeNull();
    expect(enriched.analytics.pcrOi).toBeGreaterThan(0);
  });

  it('rejects a malformed row with a reason, counts it, and keeps the rest of the chain', () => {
    const raw = simulatedChain();
    const good = raw.rows.length;
    const broken: RawSnapshot = {
      ...raw,
      rows: [...raw.rows, { strike: 'abc', call: null, put: null } as never, { strike: -100, call: null, put: null }, raw.rows[0]],
    };
    const enriched = enrichSnapshot(broken, { instrument: nifty, rate: 0.065 });
    expect(enriched.rows).toHaveLength(good);
    expect(enriched.rejects.malformed_row).toBe(1);
    expect(enriched.rejects.invalid_strike).toBe(1);
    expect(enriched.rejects.duplicate_strike).toBe(1);
  });

  it('flags a crossed quote and a price below intrinsic without computing IV from them', () => {
    const raw = simulatedChain();
    const atmIndex = raw.rows.findIndex((r) => r.call && r.put && Math.abs(r.strike - raw.spot) < 100);
    const deepItmIndex = 0; // lowest strike: the call is deep in the money
    const rows = raw.rows.map((row, i) => {
      if (i === atmIndex) return { ...row, call: { ...row.call!, bid: 200, ask: 150 } };
      if (i === deepItmIndex && row.call) return { ...row, call: { ...row.call, ltp: 1, bid: null, ask: null } };
      return row;
    });
    const enriched = enrichSnapshot({ ...raw, rows }, { instrument: nifty, rate: 0.065 });
    const atm = enriched.rows.find((r) => r.strike === raw.rows[atmIndex].strike)!;
    expect(atm.call!.quality).toBe('crossed_quote');
    expect(atm.call!.iv).toBeNull();
    expect(atm.put!.iv).not.toBeNull();
    expect(enriched.rejects.crossed_quote).toBe(1);
    if (raw.rows[deepItmIndex].call) {
      expect(enriched.rows[0].call!.quality).toBe('below_intrinsic');
      expect(enriched.rejects.below_intrinsic).toBe(1);
    }
  });

  it('keeps a deep in-the-money side with a stale LTP below intrinsic when its quote is sound, and solves IV from the mid (regression: rule on the LTP)', () => {
    const raw = simulatedChain();
    const i = raw.rows.findIndex((r) => r.call && r.call.bid && r.call.ask && raw.future! - r.strike > 300);
    expect(i).toBeGreaterThanOrEqual(0);
    const rows = raw.rows.map((row, j) => (j === i ? { ...row, call: { ...row.call!, ltp: 1 } } : row));
    const enriched = enrichSnapshot({ ...raw, rows }, { instrument: nifty, rate: 0.065 });
    const call = enriched.rows[i].call!;
    expect(call.quality).toBeNull();
    expect(enriched.rejects.below_intrinsic ?? 0).toBe(0);
    const tYears = yearsToExpiry(raw.timestamp, expiryInstant(raw.expiry));
    const repriced = optionGreeks({ model: 'black76', underlying: raw.future!, strike: raw.rows[i].strike, tYears, vol: call.iv!, rate: 0.065, type: 'call' });
    expect(repriced.price).toBeCloseTo(0.5 * (call.bid! + call.ask!), 8);
  });

  it('flags a side whose quote time is older than the limit as stale (regression: the quote times never reached the rule)', () => {
    const raw = simulatedChain();
    const i = raw.rows.findIndex((r) => r.call && r.put);
    const rows = raw.rows.map((row, j) => (j === i ? { ...row, call: { ...row.call!, quoteTime: raw.timestamp - 5 * 60_000 } } : row));
    const enriched = enrichSnapshot({ ...raw, rows }, { instrument: nifty, rate: 0.065 });
    expect(enriched.rows[i].call!.quality).toBe('stale_quote');
    expect(enriched.rows[i].call!.iv).toBeNull();
    expect(enriched.rows[i].put!.quality).toBeNull();
    expect(enriched.rejects.stale_quote).toBe(1);
  });

  it('keeps the feed’s own IV beside ours and treats a 0 from the feed as missing', () => {
    const raw = simulatedChain();
    const rows = raw.rows.map((row, i) => (i === 3 && row.put ? { ...row, put: { ...row.put, sourceIv: 0 } } : row));
    const enriched = enrichSnapshot({ ...raw, rows }, { instrument: nifty, rate: 0.065 });
    expect(enriched.rows[3].put?.sourceIv ?? null).toBeNull();
    const withVendor = enriched.rows.find((r) => r.call?.sourceIv);
    expect(withVendor?.call?.iv).toBeCloseTo(withVendor!.call!.sourceIv!, 1);
  });
});

describe.each([
  { where: 'on the main loop', threads: 0 },
  { where: 'on an enrichment thread', threads: 1 },
])('the processor role $where', ({ threads }) => {
  it('publishes enriched snapshots and counts a bad message without stopping', async () => {
    const bus = new InProcessBus();
    const out: EnrichedSnapshot[] = [];
    await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'test', (m) => void out.push(m.value));
    const role = await startProcessor(bus, { instruments, rate: 0.065, threads });
    const raw = simulatedChain();
    await bus.publish(TOPICS.raw, 'NIFTY', { ...raw, version: 99 });
    await bus.publish(TOPICS.raw, 'NIFTY', { ...raw, spot: -1 });
    await bus.publish(TOPICS.raw, 'GOLD', { ...raw, symbol: 'GOLD' });
    await bus.publish(TOPICS.raw, 'NIFTY', raw);
    await bus.drain();
    expect(out.map((s) => s.id)).toEqual([raw.id]);
    expect(role.stats.rejectedSnapshots).toEqual({ unknown_version: 1, invalid_envelope: 1, unknown_symbol: 1 });
    expect(role.stats.processed).toBe(1);
    await role.stop();
    await bus.close();
  });
});

/** A JSON text of `value` with each number written as the hex of its IEEE-754 bits. */
function bitsOf(value: unknown): string {
  const bits = new DataView(new ArrayBuffer(8));
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number') return v;
    bits.setFloat64(0, v);
    return `f64:${bits.getBigUint64(0).toString(16)}`;
  });
}

describe('the processor role on enrichment threads', () => {
  const raws = simulatedRawSnapshots(12, { symbols: ['NIFTY', 'BANKNIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 10 });
  /** processedAt is the clock of whichever thread enriched: the one field allowed to differ. */
  const masked = (s: EnrichedSnapshot) => ({ ...s, processedAt: 0 });

  it.each([1, 3])('publishes, with %i thread(s), the very snapshots the main loop computes, bit for bit, in the raw order', async (threads) => {
    const bus = new InProcessBus();
    const out: EnrichedSnapshot[] = [];
    await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'test', (m) => void out.push(m.value));
    const role = await startProcessor(bus, { instruments, rate: 0.065, threads });
    // Published without waiting, so the processor takes them in batches.
    await Promise.all(raws.map((raw) => bus.publish(TOPICS.raw, raw.symbol, raw)));
    await bus.drain();
    await role.stop();
    await bus.close();

    const expected = raws.map((raw) => processRaw(raw, { instruments, rate: 0.065 })).map((o) => (o.kind === 'enriched' ? o.snapshot : null));
    expect(out).toHaveLength(raws.length);
    // The raw order overall, hence each symbol's order.
    expect(out.map((s) => s.id)).toEqual(raws.map((r) => r.id));
    expect(out.map(masked)).toEqual(expected.map((s) => masked(s!)));
    // Bit for bit: every number's 64 bits (-0 and NaN included), every key in the same order.
    out.forEach((s, i) => expect(bitsOf(masked(s))).toBe(bitsOf(masked(expected[i]!))));
    expect(role.stats.processed).toBe(raws.length);
  });

  it.each([0, 1])('publishes each snapshot once, in order, when a batch fails part-way and the bus retries it one message at a time (%i threads)', async (threads) => {
    let failures = 1;
    let enrichedPublished = 0;
    class FlakyBus extends InProcessBus {
      override async publish<T>(topic: string, key: string, value: T): Promise<void> {
        if (topic === TOPICS.enriched && ++enrichedPublished === 5 && failures-- > 0) throw new Error('broker hiccup');
        return super.publish(topic, key, value);
      }
    }
    const bus = new FlakyBus();
    const deadLetters: DeadLetter[] = [];
    bus.onDeadLetter((d) => deadLetters.push(d));
    const out: string[] = [];
    await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'test', (m) => void out.push(m.value.id));
    const role = await startProcessor(bus, { instruments, rate: 0.065, threads });
    await Promise.all(raws.map((raw) => bus.publish(TOPICS.raw, raw.symbol, raw)));
    await bus.drain();
    await role.stop();
    await bus.close();
    expect(failures).toBe(0);
    expect(deadLetters).toEqual([]);
    expect(out).toEqual(raws.map((r) => r.id));
  });
});

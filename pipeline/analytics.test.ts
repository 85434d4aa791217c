/**
 * The analytics role through the real pipeline: the simulator playing a named
 * scenario (core/scenario/named/, one tick per simulated minute, seed 42),
 * the processor, and the role on the in-process bus. Each test checks that
 * the scenario's scripted market shows in the role's messages at the minute
 * the scenario README gives, and not before.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_MESSAGE_VERSION, parseAnalyticsMessage, type AnalyticsMessage } from '../core/analyticsMessage.ts';
import { approximateMessageBytes } from '../core/models.ts';
import { createMessageCodec, decodeMessage, encodeMessage, SCHEMAS } from './avroCodec.ts';
import { TOPICS } from './bus.ts';
import { runScenario } from './analyticsScenario.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
/** The NIFTY nearest-expiry message of each minute. */
const nifty = (minutes: AnalyticsMessage[][]) => minutes.map((ms) => ms.find((m) => m.symbol === 'NIFTY')!);
const eventsOf = (messages: AnalyticsMessage[], kind: string) => messages.flatMap((m) => m.events.filter((e) => e.kind === kind));

describe('trend-up-with-put-writing', () => {
  let messages: AnalyticsMessage[];
  /** ATM − 2 steps at minute 20, where the puts are written. */
  let writtenStrike: number;
  beforeAll(async () => {
    messages = nifty(await runScenario({ scenario: 'trend-up-with-put-writing', minutes: 66 }));
    const atm = Math.round(messages[20].chain.spot / 50) * 50;
    writtenStrike = atm - 100;
  }, 120_000);

  const putShortBuildup = (m: AnalyticsMessage, strike: number) =>
    m.flows.find((row) => row.strike === strike)!.put.buildups.find((b) => b.windowMinutes === 5)!;

  it('classifies the written put as a short buildup from minute 20, and not before', () => {
    for (const minute of range(5, 20)) expect(putShortBuildup(messages[minute], writtenStrike).kind, `minute ${minute}`).not.toBe('shortBuildup');
    for (const minute of range(20, 65)) {
      const buildup = putShortBuildup(messages[minute], writtenStrike);
      expect(buildup.kind, `minute ${minute}`).toBe('shortBuildup');
      expect(buildup.oiChangeContracts!, `minute ${minute}`).toBeGreaterThan(2_000);
    }
    // The chain-level summary names it among the strongest put short buildups.
    const summary = messages[30].chain.buildups.find((b) => b.windowMinutes === 5)!;
    expect(summary.put.strongest.shortBuildup.map((s) => s.strike)).toContain(writtenStrike);
  });

  it('strengthens the support zone at the written strike while the writing runs', () => {
    const supportAt = (m: AnalyticsMessage) => m.chain.zones.support.find((z) => z.lowStrike <= writtenStrike && writtenStrike <= z.highStrike);
    const before = supportAt(messages[19])?.strength ?? 0;
    const after = supportAt(messages[64])!;
    expect(after.strength).toBeGreaterThan(before);
    expect(after.oiChangeContracts).toBeGreaterThan(100_000);
    expect(eventsOf(messages.slice(20, 66), 'zone_strengthened').some((e) => e.side === 'support' && e.strike === writtenStrike)).toBe(true);
  });

  it('sizes its messages for the in-process bus by what they hold, so the byte bound bounds their memory', () => {
    // A message counted as a kilobyte would let a stalled consumer's queue hold its message bound of them (10,000 × ~60 KB).
    const message = messages[30];
    const json = JSON.stringify(message).length;
    expect(approximateMessageBytes(message)).toBeGreaterThan(json / 2);
    expect(approximateMessageBytes(message)).toBeLessThan(json * 2);
  });

  it('publishes messages that survive the Avro codec of market.analytics', () => {
    const message = messages[30];
    const decoded = decodeMessage(TOPICS.analytics, encodeMessage(TOPICS.analytics, message)) as AnalyticsMessage;
    // JSON carries NaN as null; the comparison is against what JSON makes of the message.
    expect(decoded).toEqual(JSON.parse(JSON.stringify(message)));
    expect(decoded.processedAt).toBeGreaterThan(0);
  });

  it('still reads version-1 messages (written by the previous build, or spooled before an upgrade), with processedAt null', () => {
    const { processedAt, ...rest } = messages[30];
    expect(processedAt).toBeGreaterThan(0);
    const v1 = { ...JSON.parse(JSON.stringify(rest)), version: 1 };
    const previousBuild = createMessageCodec({ [TOPICS.analytics]: { name: 'analytics message', version: 1, schemas: { 1: SCHEMAS[TOPICS.analytics].schemas[1] } } });
    const fromKafka = decodeMessage(TOPICS.analytics, previousBuild.encode(TOPICS.analytics, v1)) as AnalyticsMessage;
    expect(fromKafka).toEqual({ ...v1, version: ANALYTICS_MESSAGE_VERSION, processedAt: null });
    expect(parseAnalyticsMessage(v1)).toEqual({ ...v1, version: ANALYTICS_MESSAGE_VERSION, processedAt: null });
    expect(() => parseAnalyticsMessage({ ...v1, version: 2 })).toThrow(/processedAt is neither null nor a finite number/);
  });
});

describe('liquidity-crunch', () => {
  it('raises the liquidity-stress index from minute 20 while the crunch lasts, and it falls back after', async () => {
    const messages = nifty(await runScenario({ scenario: 'liquidity-crunch', minutes: 60 }));
    const index = (minute: number) => messages[minute].chain.liquidity.index ?? 0;
    for (const minute of range(10, 20)) expect(index(minute), `minute ${minute}`).toBeLessThan(10);
    for (const minute of range(20, 35)) expect(index(minute), `minute ${minute}`).toBeGreaterThan(30);
    for (const minute of range(52, 60)) expect(index(minute), `minute ${minute}`).toBeLessThan(10);
  }, 120_000);
});

describe('vix-divergence', () => {
  it('fires vix_divergence once VIX has risen with spot, between minutes 20 and 40', async () => {
    const messages = nifty(await runScenario({ scenario: 'vix-divergence', minutes: 45 }));
    expect(eventsOf(messages.slice(0, 20), 'vix_divergence')).toEqual([]);
    const fired = eventsOf(messages.slice(20, 41), 'vix_divergence');
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0].values.vixChangePoints).toBeGreaterThan(0);
    expect(fired[0].values.spotChangeFraction).toBeGreaterThan(0);
    expect(messages[30].symbolIntelligence.vixDivergence.state).toBe('both_up');
  }, 120_000);
});

describe('quiet', () => {
  it('raises no scenario detection over two hours: no VIX divergence, no liquidity stress, no large buildup, no far-OTM writing', async () => {
    const messages = nifty(await runScenario({ scenario: 'quiet', minutes: 120 }));
    expect(messages.filter((m) => m === undefined)).toEqual([]);
    expect(eventsOf(messages, 'vix_divergence')).toEqual([]);
    expect(eventsOf(messages, 'far_otm_writing')).toEqual([]);
    expect(eventsOf(messages, 'iv_jump_with_oi_build')).toEqual([]);
    for (const [minute, m] of messages.entries()) {
      expect(m.chain.liquidity.index ?? 0, `minute ${minute}`).toBeLessThan(10);
      for (const row of m.flows) {
        for (const side of [row.call, row.put]) {
          const five = side.buildups.find((b) => b.windowMinutes === 5)!;
          expect(Math.abs(five.oiChangeContracts ?? 0), `minute ${minute} strike ${row.strike}`).toBeLessThan(2_000);
        }
      }
    }
  }, 180_000);
});

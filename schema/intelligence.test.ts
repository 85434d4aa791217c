/**
 * The analytics queries and subscriptions (schema/mood.ts, schema/intelligence.ts)
 * over analytics stored from a real run: trend-up-with-put-writing through
 * simulator → processor → analytics role, 40 simulated minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { runScenario } from '../pipeline/analyticsScenario.ts';
import { writeAnalytics } from '../db/queries/writeAnalytics.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import type { ExecutionResult } from 'graphql';

let harness: SchemaHarness;
let messages: AnalyticsMessage[];
let last: AnalyticsMessage;
const NOW = Date.parse('2026-01-05T11:00:00+05:30');

beforeAll(async () => {
  messages = (await runScenario({ scenario: 'trend-up-with-put-writing', minutes: 40 })).flat();
  last = messages.at(-1)!;
  harness = await openSchemaHarness([]);
  await writeAnalytics(harness.database.db, messages);
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

const run = async (source: string, variables?: Record<string, unknown>) => harness.run(harness.context(NOW), source, variables);
const errorCodes = (result: ExecutionResult) => result.errors?.map((e) => e.extensions?.code);

describe('marketMood, flowMetrics, volatilityContext, moodHistory', () => {
  it('serve the latest stored mood, toxicity, liquidity and volatility of the symbol', async () => {
    const result = await run(`{
      marketMood(symbol: "NIFTY") { symbol timestamp index band components { name score effectiveWeight } }
      flowMetrics(symbol: "nifty") { toxicity { vpin sessionBuyContracts } frontExpiry liquidity { index } }
      volatilityContext(symbol: "NIFTY") { vix vixDivergence { state windowMinutes } expiry { atmIv } }
    }`);
    expect(result.errors).toBeUndefined();
    const data = result.data as any;
    expect(data.marketMood.index).toBeCloseTo(last.symbolIntelligence.mood.index!, 9);
    expect(data.marketMood.band).toBe(last.symbolIntelligence.mood.band!.toUpperCase());
    expect(new Date(data.marketMood.timestamp).getTime()).toBe(last.timestamp);
    expect(data.flowMetrics.frontExpiry).toBe(last.expiry);
    expect(data.flowMetrics.liquidity.index).toBe(last.chain.liquidity.index);
    expect(data.volatilityContext.vix).toBe(last.symbolIntelligence.vix);
    expect(data.volatilityContext.expiry.atmIv).toBe(last.chain.volatility.atmIvDecimal);
  });

  it('answers NO_DATA for a symbol without analytics and BAD_USER_INPUT for an unknown one', async () => {
    expect(errorCodes(await run(`{ marketMood(symbol: "SENSEX") { index } }`))).toEqual(['NO_DATA']);
    expect(errorCodes(await run(`{ marketMood(symbol: "NOPE") { index } }`))).toEqual(['BAD_USER_INPUT']);
  });

  it('buckets the mood over time', async () => {
    const from = new Date(messages[0].timestamp).toISOString();
    const to = new Date(last.timestamp + 1).toISOString();
    const result = await run(`query($from: DateTime!, $to: DateTime!) { moodHistory(symbol: "NIFTY", from: $from, to: $to, interval: FIVE_MINUTES) { bucket samples moodIndexLast spot } }`, { from, to });
    expect(result.errors).toBeUndefined();
    const points = (result.data as any).moodHistory;
    expect(points.reduce((n: number, p: { samples: number }) => n + p.samples, 0)).toBe(messages.length);
    expect(points.at(-1).moodIndexLast).toBeCloseTo(last.symbolIntelligence.mood.index!, 9);
  });
});

describe('supportResistance, buildups, optionFlow', () => {
  const writtenStrike = () => Math.round(messages[20].chain.spot / 50) * 50 - 100;

  it('serve the zones, reversal levels and zone events of the expiry', async () => {
    const result = await run(`query($expiry: Date!) { supportResistance(symbol: "NIFTY", expiry: $expiry) { spot support { peakStrike strength } resistance { peakStrike } reversalLevels { side } recentEvents { kind side strike } } }`, { expiry: last.expiry });
    expect(result.errors).toBeUndefined();
    const data = (result.data as any).supportResistance;
    expect(data.support.map((z: { peakStrike: number }) => z.peakStrike)).toEqual(last.chain.zones.support.map((z) => z.peakStrike));
    const zoneEvents = messages.flatMap((m) => m.events).filter((e) => e.kind.startsWith('zone_'));
    expect(data.recentEvents.length).toBe(Math.min(20, zoneEvents.length));
    expect(data.recentEvents[0].kind).toBe(zoneEvents.at(-1)!.kind.toUpperCase());
  });

  it('serve the put writing of the scenario as a short buildup at the written strike', async () => {
    const result = await run(`query($expiry: Date!) {
      buildups(symbol: "NIFTY", expiry: $expiry, window: 5) { windowMinutes putWriting { contracts } puts { kind strongest { strike } } }
      optionFlow(symbol: "NIFTY", expiry: $expiry) { strikes { strike put { oi buildups { windowMinutes kind oiChangeContracts } } } }
    }`, { expiry: last.expiry });
    expect(result.errors).toBeUndefined();
    const data = result.data as any;
    expect(data.buildups.putWriting.contracts).toBeGreaterThan(2_000);
    expect(data.buildups.puts.find((k: { kind: string }) => k.kind === 'SHORT_BUILDUP').strongest.map((s: { strike: number }) => s.strike)).toContain(writtenStrike());
    const row = data.optionFlow.strikes.find((r: { strike: number }) => r.strike === writtenStrike());
    expect(row.put.buildups.find((b: { windowMinutes: number }) => b.windowMinutes === 5).kind).toBe('SHORT_BUILDUP');
    expect(data.optionFlow.strikes.length).toBe(last.flows.length);
  });

  it('refuses a window that is not configured, and answers NO_DATA for an expiry without analytics', async () => {
    expect(errorCodes(await run(`query($expiry: Date!) { buildups(symbol: "NIFTY", expiry: $expiry, window: 7) { windowMinutes } }`, { expiry: last.expiry }))).toEqual(['BAD_USER_INPUT']);
    const missing = await run(`{ supportResistance(symbol: "NIFTY", expiry: "2030-01-01") { spot } }`);
    expect(errorCodes(missing)).toEqual(['NO_DATA']);
    expect(missing.errors![0].extensions!.expiriesWithData).toEqual([last.expiry]);
  });
});

describe('analyticsEvents', () => {
  const QUERY = `query($first: Int, $after: String, $kinds: [AnalyticsEventKind!]) {
    analyticsEvents(symbols: ["NIFTY"], kinds: $kinds, since: "2026-01-05T00:00:00Z", first: $first, after: $after) {
      edges { cursor node { kind timestamp strike side score values { name value } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }`;

  it('pages through every stored event newest first without gaps or repeats', async () => {
    const all = await run(QUERY, { first: 500 });
    expect(all.errors).toBeUndefined();
    const every = (all.data as any).analyticsEvents.edges.map((e: { cursor: string }) => e.cursor);
    expect(every.length).toBe(new Set(messages.flatMap((m) => m.events.map((e) => `${e.timestamp}|${e.kind}|${e.expiry}|${e.strike}|${e.side}`))).size);
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = (await run(QUERY, { first: 7, after })).data as any;
      const edges = page.analyticsEvents.edges;
      expect(page.analyticsEvents.pageInfo).toMatchObject({ hasPreviousPage: after !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null });
      paged.push(...page.analyticsEvents.edges.map((e: { cursor: string }) => e.cursor));
      if (!page.analyticsEvents.pageInfo.hasNextPage) break;
      after = page.analyticsEvents.pageInfo.endCursor;
    }
    expect(paged).toEqual(every);
    const times = (all.data as any).analyticsEvents.edges.map((e: { node: { timestamp: string } }) => Date.parse(e.node.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('answers the events as they stood at an instant with `until` (a playback frame), the 24 hours before it without `since`', async () => {
    const all = ((await run(QUERY, { first: 500 })).data as any).analyticsEvents.edges.map((e: { node: { timestamp: string } }) => Date.parse(e.node.timestamp));
    const instants = [...new Set<number>(all)].sort((a, b) => a - b);
    expect(instants.length).toBeGreaterThan(2);
    const until = instants[Math.floor(instants.length / 2)];
    const UNTIL = `query($until: DateTime, $since: DateTime) { analyticsEvents(symbols: ["NIFTY"], since: $since, until: $until, first: 500) { edges { node { timestamp } } } }`;
    const at = (await run(UNTIL, { until: new Date(until).toISOString() })).data as any;
    const times = at.analyticsEvents.edges.map((e: { node: { timestamp: string } }) => Date.parse(e.node.timestamp));
    expect(times).toEqual(all.filter((t: number) => t <= until && t >= until - 86_400_000));
    expect(times.length).toBeGreaterThan(0);
    const window = (await run(UNTIL, { until: new Date(until).toISOString(), since: new Date(instants[1]).toISOString() })).data as any;
    expect(window.analyticsEvents.edges.map((e: { node: { timestamp: string } }) => Date.parse(e.node.timestamp))).toEqual(all.filter((t: number) => t <= until && t >= instants[1]));
    // A range that ends before it begins is a mistake to say, not an empty page.
    const inverted = await run(UNTIL, { until: new Date(instants[1]).toISOString(), since: new Date(until).toISOString() });
    expect(errorCodes(inverted)).toEqual(['BAD_USER_INPUT']);
    expect(inverted.errors?.[0]?.message).toMatch(/"since".* is after "until"/);
  });

  it('filters by kind and refuses a cursor it did not make', async () => {
    const zones = await run(QUERY, { first: 500, kinds: ['ZONE_STRENGTHENED'] });
    expect((zones.data as any).analyticsEvents.edges.every((e: { node: { kind: string } }) => e.node.kind === 'ZONE_STRENGTHENED')).toBe(true);
    expect(errorCodes(await run(QUERY, { first: 5, after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await run(QUERY, { first: 0 }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('subscriptions', () => {
  it('deliver mood and the filtered events published for the symbol', async () => {
    const context = harness.context(NOW);
    const moods = (await harness.subscribe(context, `subscription { moodUpdated(symbol: "NIFTY") { symbol index } }`)) as AsyncGenerator<ExecutionResult>;
    const events = (await harness.subscribe(context, `subscription { marketEvents(symbols: ["NIFTY"], kinds: [VIX_DIVERGENCE]) { kind symbol score } }`)) as AsyncGenerator<ExecutionResult>;
    const chain = (await harness.subscribe(context, `subscription($expiry: Date!) { analyticsUpdated(symbol: "NIFTY", expiry: $expiry) { expiry spot } }`, { expiry: last.expiry })) as AsyncGenerator<ExecutionResult>;
    const nextMood = moods.next();
    const nextEvent = events.next();
    const nextChain = chain.next();
    const divergence = { kind: 'vix_divergence' as const, symbol: 'NIFTY', expiry: null, timestamp: last.timestamp, strike: null, side: null, score: 3, reason: 'test', values: {} };
    context.pubsub.publish('market:events', { ...divergence, symbol: 'BANKNIFTY' });
    context.pubsub.publish('market:events', { ...divergence, kind: 'zone_shifted' });
    context.pubsub.publish('market:events', divergence);
    context.pubsub.publish('mood:updated', 'NIFTY', { ...last.symbolIntelligence, processedAt: last.processedAt });
    context.pubsub.publish('analytics:updated', `NIFTY:${last.expiry}`, last);
    expect((await nextMood).value.data.moodUpdated.index).toBeCloseTo(last.symbolIntelligence.mood.index!, 9);
    expect((await nextEvent).value.data.marketEvents).toEqual({ kind: 'VIX_DIVERGENCE', symbol: 'NIFTY', score: 3 });
    expect((await nextChain).value.data.analyticsUpdated).toEqual({ expiry: last.expiry, spot: last.chain.spot });
    await Promise.all([moods.return(undefined), events.return(undefined), chain.return(undefined)]);
  });
});

/**
 * Shared subscription executions over real WebSockets: subscribers of one
 * operation share one execution and receive the same events, each
 * serialised once; different operations, or the same one on another chain,
 * do not; leaving detaches, the last one stops it; errors reach each
 * subscriber; the number of distinct executions is bounded; the fan-out
 * knows which snapshot each event it sent is of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { chainTopicKey } from '../schema/chain.ts';
import type { Context } from '../schema/builder.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { waitFor } from '../test/support/waitFor.ts';
import { installGraphQL } from './graphql.ts';
import { installSubscriptionLimits } from './installSubscriptionLimits.ts';
import { installSubscriptions, type Subscriptions } from './subscriptions.ts';

/** NIFTY, two expiries, 3 strikes each side: 4 stored, 4 published live. */
const snapshots = simulatedEnrichedSnapshots(8, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 3 });
const [NEAR, NEXT] = [...new Set(snapshots.map((s) => s.expiry))].sort();
const stored = snapshots.slice(0, 8);
const live = (expiry: string) => snapshots.slice(8).filter((s) => s.expiry === expiry);
const NOW = snapshots.at(-1)!.timestamp + 60_000;
const MAX_DISTINCT = 3;

const UPDATES = 'subscription ($expiry: Date) { chainUpdated(symbol: "NIFTY", expiry: $expiry) { expiry timestamp spot analytics { atmIv } } }';
const DELTAS = 'subscription ($expiry: Date) { chainDelta(symbol: "NIFTY", expiry: $expiry) { sequence previousSequence full timestamp changes { strike side } } }';

let harness: SchemaHarness;
let context: Context;
let server: Server;
let subscriptions: Subscriptions;
let url: string;
const clients: Client[] = [];
/** What onEventSent was told: the event's root fields and the processedAt of the snapshot it is of. */
const sent: { fields: string[]; processedAt?: number }[] = [];

beforeAll(async () => {
  harness = await openSchemaHarness(stored);
  context = harness.context(NOW);
  const config = loadConfig({ LOG_LEVEL: 'silent', SUBSCRIPTION_MAX_DISTINCT_OPERATIONS: String(MAX_DISTINCT) });
  const limits = installSubscriptionLimits(config);
  const yoga = installGraphQL(context, config, createLogger('silent'), limits);
  server = createServer((request, response) => void yoga.handle(request, response));
  subscriptions = installSubscriptions(server, yoga, limits.webSocket, undefined, {
    onEventSent: (result, processedAt) => void sent.push({ fields: Object.keys(result.data ?? {}), processedAt }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await subscriptions?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await harness?.close();
});

interface Subscriber {
  events: any[];
  errors: unknown[];
  completed: boolean;
  unsubscribe: () => void;
}

function subscribe(query: string, variables: Record<string, unknown>): Subscriber {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
  clients.push(client);
  const subscriber: Subscriber = { events: [], errors: [], completed: false, unsubscribe: () => {} };
  subscriber.unsubscribe = client.subscribe(
    { query, variables },
    { next: (event) => void subscriber.events.push(event), error: (error) => void subscriber.errors.push(error), complete: () => void (subscriber.completed = true) },
  );
  return subscriber;
}

function publish(snapshot: EnrichedSnapshot): void {
  context.pubsub.publish('chain:updated', chainTopicKey(snapshot.symbol, snapshot.expiry), snapshot);
}

const stats = () => subscriptions.fanOut.stats();
const settle = (condition: () => boolean, what: string) => waitFor(() => (condition() ? true : undefined), what, 10_000, 20);

describe('shared subscription executions', () => {
  it('runs one execution for the subscribers of one operation, serialising each update once for all of them', async () => {
    const before = stats();
    const subscribers = Array.from({ length: 4 }, () => subscribe(UPDATES, { expiry: NEAR }));
    await settle(() => stats().subscribers === before.subscribers + 4, 'four subscribers attached');
    expect(stats().executions).toBe(before.executions + 1);
    const [first, second] = live(NEAR);
    publish(first);
    publish(second);
    await settle(() => subscribers.every((s) => s.events.length === 2), 'both updates delivered to everyone');
    expect(stats().events - before.events).toBe(2);
    // The operation selects no processedAt; the fan-out is told each event's snapshot all the same (delivery latency).
    expect(sent.slice(-2)).toEqual([first, second].map((s) => ({ fields: ['chainUpdated'], processedAt: s.processedAt })));
    expect(stats().frames - before.frames).toBe(8);
    for (const subscriber of subscribers) {
      expect(subscriber.events).toEqual(subscribers[0].events);
      expect(subscriber.events.map((e) => e.data.chainUpdated.timestamp)).toEqual([first, second].map((s) => new Date(s.timestamp).toISOString()));
    }
    // Leaving detaches; the last one to leave stops the execution.
    subscribers[0].unsubscribe();
    await settle(() => stats().subscribers === before.subscribers + 3, 'one subscriber detached');
    expect(stats().executions).toBe(before.executions + 1);
    for (const subscriber of subscribers.slice(1)) subscriber.unsubscribe();
    await settle(() => stats().executions === before.executions && stats().subscribers === before.subscribers, 'the execution stopped');
  });

  it('keeps apart the same operation on different chains', async () => {
    const before = stats();
    const near = subscribe(UPDATES, { expiry: NEAR });
    const next = subscribe(UPDATES, { expiry: NEXT });
    await settle(() => stats().subscribers === before.subscribers + 2, 'two subscribers attached');
    expect(stats().executions).toBe(before.executions + 2);
    publish(live(NEXT)[0]);
    await settle(() => next.events.length === 1, 'the next expiry updated');
    expect(near.events).toEqual([]);
    near.unsubscribe();
    next.unsubscribe();
    await settle(() => stats().executions === before.executions, 'both stopped');
  });

  it("gives each subscriber its own errors at subscribe time, and an update's errors to every subscriber", async () => {
    const refused = subscribe(UPDATES, { expiry: '2020-01-07' });
    await settle(() => refused.events.length === 1, 'the refusal');
    expect(refused.events[0].errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'expiry' });

    const before = stats();
    const subscribers = [subscribe(UPDATES, { expiry: NEAR }), subscribe(UPDATES, { expiry: NEAR })];
    await settle(() => stats().subscribers === before.subscribers + 2, 'two subscribers attached');
    // A snapshot without analytics: the non-null field fails in the one execution, and both hear of it.
    publish({ ...live(NEAR)[2], analytics: null as never });
    await settle(() => subscribers.every((s) => s.events.length === 1), 'the failed update delivered');
    // Yoga masks an unexpected error's message, as it does for every execution.
    expect(subscribers[0].events[0]).toMatchObject({ data: null, errors: [{ message: 'Unexpected error.', path: ['chainUpdated', 'analytics'] }] });
    expect(subscribers[1].events).toEqual(subscribers[0].events);
    subscribers.forEach((s) => s.unsubscribe());
    await settle(() => stats().executions === before.executions, 'stopped');
  });

  it(`refuses a subscription that would start distinct execution number ${MAX_DISTINCT + 1} with SERVER_BUSY, and lets it join one that runs`, async () => {
    const before = stats();
    const running = [
      subscribe(UPDATES, { expiry: NEAR }),
      subscribe(UPDATES, { expiry: NEXT }),
      subscribe('subscription ($expiry: Date) { chainUpdated(symbol: "NIFTY", expiry: $expiry) { timestamp } }', { expiry: NEAR }),
    ];
    await settle(() => stats().executions === MAX_DISTINCT, 'the bound reached');
    const refused = subscribe('subscription ($expiry: Date) { chainUpdated(symbol: "NIFTY", expiry: $expiry) { spot } }', { expiry: NEAR });
    await settle(() => refused.events.length === 1, 'the refusal');
    expect(refused.events[0].errors[0].extensions).toMatchObject({ code: 'SERVER_BUSY', limit: MAX_DISTINCT });
    expect(stats().refused).toBe(before.refused + 1);
    const joining = subscribe(UPDATES, { expiry: NEAR });
    await settle(() => stats().subscribers === before.subscribers + 4, 'joined');
    [...running, joining].forEach((s) => s.unsubscribe());
    await settle(() => stats().executions === before.executions, 'stopped');
  });

  it('gives each chainDelta subscriber its own full chain first, then the same shared deltas', async () => {
    const before = stats();
    const early = subscribe(DELTAS, { expiry: NEAR });
    await settle(() => early.events.length === 1, 'the first full chain');
    expect(early.events[0].data.chainDelta).toMatchObject({ full: true });
    const [, second, third] = live(NEAR);
    publish(second);
    await settle(() => early.events.length === 2, 'an update');
    const late = subscribe(DELTAS, { expiry: NEAR });
    await settle(() => late.events.length === 1 && stats().subscribers === before.subscribers + 2, 'the late full chain');
    const lateFirst = late.events[0].data.chainDelta;
    expect(lateFirst).toMatchObject({ full: true, sequence: early.events[1].data.chainDelta.sequence, timestamp: new Date(second.timestamp).toISOString() });
    expect(stats().executions).toBe(before.executions + 1);
    const serialised = stats().events;
    publish(third);
    await settle(() => early.events.length === 3 && late.events.length === 2, 'the next delta');
    expect(late.events[1]).toEqual(early.events[2]);
    expect(late.events[1].data.chainDelta).toMatchObject({ full: false, previousSequence: lateFirst.sequence });
    expect(stats().events - serialised).toBe(1);
    expect(sent.at(-1)).toEqual({ fields: ['chainDelta'], processedAt: third.processedAt });
    early.unsubscribe();
    late.unsubscribe();
    await settle(() => stats().executions === before.executions, 'stopped');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { chainTopicKey } from './chain.ts';
import type { Context } from './builder.ts';
import type { EnrichedQuote } from '../core/models.ts';

/** NIFTY from Monday 23 November 2026 10:30 IST, a snapshot a minute: 5 stored, the rest published live. */
const snapshots = simulatedEnrichedSnapshots(12, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 3 });
const stored = snapshots.slice(0, 5);
const live = snapshots.slice(5);
const EXPIRY = snapshots[0].expiry;
const NOW = snapshots.at(-1)!.timestamp + 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const QUOTE = 'ltp bid ask previousClose change changePercent bidQty askQty volume oi oiChange iv delta gamma theta vega rho vanna charm vomma theoreticalPrice sourceIv sourceDelta quality';
const DELTAS = /* GraphQL */ `
  subscription ($expiry: Date) {
    chainDelta(symbol: "NIFTY", expiry: $expiry) {
      sequence previousSequence full symbol expiry timestamp spot
      analytics { atmIv maxPain }
      changes { strike side quote { ${QUOTE} } }
      removedStrikes
    }
  }
`;
const CHAIN = /* GraphQL */ `
  query ($expiry: Date!) { optionChain(symbol: "NIFTY", expiry: $expiry) { rows { strike call { ${QUOTE} } put { ${QUOTE} } } } }
`;

type Row = { strike: number; call: unknown; put: unknown };
type Message = { sequence: number; previousSequence: number | null; full: boolean; timestamp: string; changes: { strike: number; side: 'CALL' | 'PUT'; quote: unknown }[]; removedStrikes: number[] };

/** What a client does with the messages, as the field descriptions say. */
function applyMessage(rows: Map<number, Row>, message: Message): void {
  if (message.full) rows.clear();
  for (const strike of message.removedStrikes) rows.delete(strike);
  for (const change of message.changes) {
    const row = rows.get(change.strike) ?? { strike: change.strike, call: null, put: null };
    rows.set(change.strike, { ...row, [change.side === 'CALL' ? 'call' : 'put']: change.quote });
  }
}

let harness: SchemaHarness;
beforeAll(async () => {
  harness = await openSchemaHarness(stored);
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

async function next(events: AsyncGenerator<ExecutionResult>): Promise<Message> {
  const { value } = await events.next();
  expect(value.errors).toBeUndefined();
  return value.data.chainDelta as Message;
}

function publish(context: Context, index: number): void {
  const snapshot = live[index];
  context.pubsub.publish('chain:updated', chainTopicKey(snapshot.symbol, snapshot.expiry), snapshot);
}

describe('chainDelta', () => {
  it('starts with the whole stored chain, then sends deltas that rebuild each published chain exactly', async () => {
    const context = harness.context(NOW);
    const events = (await harness.subscribe(context, DELTAS, { expiry: EXPIRY })) as AsyncGenerator<ExecutionResult>;
    const rows = new Map<number, Row>();
    const first = await next(events);
    expect(first).toMatchObject({ full: true, sequence: 0, previousSequence: null, timestamp: iso(stored.at(-1)!.timestamp) });
    applyMessage(rows, first);
    const storedChain = await harness.run(context, CHAIN, { expiry: EXPIRY });
    expect([...rows.values()]).toEqual((storedChain.data?.optionChain as { rows: Row[] }).rows);

    let sequence = first.sequence;
    for (let i = 0; i < live.length; i++) {
      publish(context, i);
      const message = await next(events);
      expect(message.timestamp).toBe(iso(live[i].timestamp));
      // The feed's first update is full (it had nothing to diff against); every later one is a delta on the previous.
      if (i === 0) expect(message.full).toBe(true);
      else expect(message).toMatchObject({ full: false, previousSequence: sequence });
      sequence = message.sequence;
      applyMessage(rows, message);
      const expected = live[i].rows.map((r) => ({ strike: r.strike, call: pick(r.call), put: pick(r.put) }));
      expect([...rows.values()].sort((a, b) => a.strike - b.strike)).toEqual(expected);
      if (i > 0) expect(message.changes.length).toBeLessThanOrEqual(live[i].rows.length * 2);
    }
    await events.return(undefined);
  });

  it('gives a subscriber that joins later the latest published chain in full, at the current sequence', async () => {
    const context = harness.context(NOW);
    const early = (await harness.subscribe(context, DELTAS, { expiry: EXPIRY })) as AsyncGenerator<ExecutionResult>;
    await next(early);
    publish(context, 0);
    publish(context, 1);
    await next(early);
    const second = await next(early);
    const late = (await harness.subscribe(context, DELTAS, { expiry: EXPIRY })) as AsyncGenerator<ExecutionResult>;
    const first = await next(late);
    expect(first).toMatchObject({ full: true, sequence: second.sequence, timestamp: iso(live[1].timestamp) });
    publish(context, 2);
    expect(await next(late)).toMatchObject({ full: false, previousSequence: second.sequence, timestamp: iso(live[2].timestamp) });
    expect(await next(early)).toMatchObject({ full: false, previousSequence: second.sequence, timestamp: iso(live[2].timestamp) });
    await early.return(undefined);
    await late.return(undefined);
  });

  it('refuses an expiry that gets no more updates, as chainUpdated does', async () => {
    const result = (await harness.subscribe(harness.context(NOW), DELTAS, { expiry: '2020-01-07' })) as ExecutionResult;
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'expiry' });
  });
});

/** A quote as GraphQL answers it: the selected fields, in the order of QUOTE (change and changePercent derived from ltp and previousClose). */
function pick(quote: EnrichedQuote | null): unknown {
  if (!quote) return null;
  const change = quote.ltp != null && quote.previousClose != null ? quote.ltp - quote.previousClose : null;
  const derived: Record<string, number | null> = { change, changePercent: change === null ? null : (100 * change) / quote.previousClose! };
  return Object.fromEntries(QUOTE.split(' ').map((field) => [field, field in derived ? derived[field] : quote[field as keyof EnrichedQuote]]));
}

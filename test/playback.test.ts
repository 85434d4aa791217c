/**
 * Historical playback through the real server in process (api/app.ts on port
 * 0, the simulator ingesting live all along), with a real graphql-ws client
 * (and once over SSE), on PGlite or, with DATABASE_URL, a fresh PostgreSQL
 * database. Before the app starts, two past NIFTY expiries are stored: 120
 * snapshots one second apart with chain analytics for every third instant,
 * and 300 wider ones (81 strikes) for a client that stops reading.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { instrumentTable } from '../core/instruments.ts';
import { PLAYBACK_PAGE_SIZE } from '../core/playback.ts';
import { analyticsChain } from '../db/schema.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { snapshotsWritten } from './realServer.ts';
import { waitFor } from './support/waitFor.ts';

let app: App;
let database: DatabaseHandle;
let origin: string;
let ws: Client;
/** The stored snapshots of the played expiry, oldest first, one second apart. */
let stored: EnrichedSnapshot[];
let expiry: string;
/** Larger chains (81 strikes) of another expiry, for a client that reads slowly. */
let wide: EnrichedSnapshot[];

const PLAYBACK = `subscription($expiry: Date!, $from: DateTime!, $to: DateTime!, $speed: Float) {
  playback(symbol: "NIFTY", expiry: $expiry, from: $from, to: $to, speed: $speed) {
    position total timestamp
    chain { timestamp spot rows { strike call { oi iv } } }
    analytics { timestamp spot }
    mood { timestamp index band }
  }
}`;

interface Frame {
  position: number;
  total: number;
  timestamp: string;
  chain: { timestamp: string; spot: number; rows: { strike: number; call: { oi: number | null; iv: number | null } | null }[] };
  analytics: { timestamp: string; spot: number } | null;
  mood: { timestamp: string; index: number | null; band: string | null } | null;
}

interface Played {
  frames: Frame[];
  /** ms after subscribing each frame arrived. */
  arrivals: number[];
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  /** Whether the server completed the stream (not the client leaving). */
  completed: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Plays back until the server completes or errs, or until `stopAfter` frames when the client leaves. */
function play(variables: Record<string, unknown>, { stopAfter = Infinity, timeoutMs = 30_000 } = {}): Promise<Played> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const played: Played = { frames: [], arrivals: [], completed: false };
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`playback ${JSON.stringify(variables)} unfinished after ${timeoutMs} ms with ${played.frames.length} frames`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      resolve(played);
    };
    const dispose = ws.subscribe<{ playback: Frame }>(
      { query: PLAYBACK, variables },
      {
        next: (result) => {
          if (result.errors) {
            played.errors = result.errors as Played['errors'];
            return;
          }
          played.frames.push(result.data!.playback);
          played.arrivals.push(performance.now() - began);
          if (played.frames.length === stopAfter) {
            dispose();
            finish();
          }
        },
        error: (error) => {
          played.errors = Array.isArray(error) ? error : [{ message: String(error) }];
          finish();
        },
        complete: () => {
          played.completed = true;
          finish();
        },
      },
    );
  });
}

/** The error a playback is refused with: its code and argument. */
async function refusal(variables: Record<string, unknown>): Promise<{ code: unknown; argument: unknown; message: string }> {
  const { frames, errors } = await play(variables);
  expect(frames).toEqual([]);
  expect(errors, 'an error').toHaveLength(1);
  return { code: errors![0].extensions?.code, argument: errors![0].extensions?.argument, message: errors![0].message };
}

const stats = () => app.services.playbacks!.stats();

beforeAll(async () => {
  database = await openTestDatabase();
  const instruments = instrumentTable();
  // Monday 2026-11-23 10:30 IST, one second between ticks.
  const simulator = new MarketSimulator({ instruments, symbols: ['NIFTY'], seed: 7, tickIntervalMs: 1000, speed: 1, clock: 'market', startTime: Date.UTC(2026, 10, 23, 5, 0), strikesEachSide: 4, expiriesPerSymbol: 1 });
  stored = [];
  for (let i = 0; i < 120; i++) {
    for (const raw of simulator.tick()) stored.push(enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065, now: () => raw.timestamp + 5 }));
  }
  expiry = stored[0].expiry;
  // The week before: 300 snapshots of 81 strikes, one second apart.
  const wideSimulator = new MarketSimulator({ instruments, symbols: ['NIFTY'], seed: 8, tickIntervalMs: 1000, speed: 1, clock: 'market', startTime: Date.UTC(2026, 10, 16, 5, 0), strikesEachSide: 40, expiriesPerSymbol: 1 });
  wide = [];
  for (let i = 0; i < 300; i++) {
    for (const raw of wideSimulator.tick()) wide.push(enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065, now: () => raw.timestamp + 5 }));
  }
  expect(wide[0].expiry).not.toBe(stored[0].expiry);
  await database.write(wide);
  expect(stored.every((s, i) => s.expiry === expiry && (i === 0 || s.timestamp - stored[i - 1].timestamp === 1000))).toBe(true);
  await database.write(stored);
  await database.db.insert(analyticsChain).values(
    stored
      .filter((_, i) => i % 3 === 0)
      .map((s) => ({ ts: new Date(s.timestamp), symbol: 'NIFTY', expiry, sessionDate: '2026-11-23', spot: s.spot, intelligence: { timestamp: s.timestamp, spot: s.spot } })),
  );
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    EXPIRIES_PER_SYMBOL: '1',
    SIM_TICK_MS: '200',
    SIM_CLOCK: 'always-open',
    // Every analytics document stored: the live range below plays back each instant's analytics and moods.
    ANALYTICS_STORE_INTERVAL_SECONDS: '0',
    SIM_STRIKES_EACH_SIDE: '10',
    PLAYBACK_MAX_CONCURRENT: '2',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('playback'),
  });
  app = await buildApp(config, { database });
  const { port } = await app.start(0);
  origin = `http://127.0.0.1:${port}`;
  ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  await waitFor(async () => ((await snapshotsWritten(origin)) > 0 ? true : undefined), 'the live pipeline storing', 60_000);
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
  await app?.stop();
  await database?.close();
});

describe('historical playback over graphql-ws', () => {
  it('plays a stored range in order at speed 0, each frame with its position, the total and the analytics of its instant, then completes', async () => {
    const range = stored.slice(10, 100);
    const played = await play({ expiry, from: iso(range[0].timestamp), to: iso(range.at(-1)!.timestamp), speed: 0 });
    expect(played.errors).toBeUndefined();
    expect(played.completed).toBe(true);
    expect(played.frames.map((f) => f.position)).toEqual(range.map((_, i) => i + 1));
    expect(new Set(played.frames.map((f) => f.total))).toEqual(new Set([90]));
    expect(played.frames.map((f) => f.timestamp)).toEqual(range.map((s) => iso(s.timestamp)));
    played.frames.forEach((frame, i) => {
      const snapshot = range[i];
      expect(frame.chain.timestamp).toBe(frame.timestamp);
      expect(frame.chain.spot).toBe(snapshot.spot);
      expect(frame.chain.rows).toEqual(snapshot.rows.map((r) => ({ strike: r.strike, call: r.call && { oi: r.call.oi, iv: r.call.iv } })));
      expect(frame.analytics).toEqual((i + 10) % 3 === 0 ? { timestamp: frame.timestamp, spot: snapshot.spot } : null);
    });
    // Not paced: 89 s of data as fast as the client reads.
    console.log(`speed 0: ${played.frames.length} frames in ${played.arrivals.at(-1)!.toFixed(0)} ms`);
    expect(played.arrivals.at(-1)!).toBeLessThan(10_000);
    // The same chain optionChain answers at that instant.
    const at = played.frames[41].timestamp;
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query($expiry: Date!, $at: DateTime!) { optionChain(symbol: "NIFTY", expiry: $expiry, at: $at) { timestamp spot rows { strike call { oi iv } } } }`, variables: { expiry, at } }),
    });
    const { data } = (await response.json()) as { data: { optionChain: Frame['chain'] } };
    expect(data.optionChain).toEqual(played.frames[41].chain);
  }, 60_000);

  it('plays back what the live pipeline stored, with the analytics the analytics role stored for each instant', async () => {
    const listed = await waitFor(async () => {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ expiryList(symbol: "NIFTY") { date hasData firstSnapshotAt } }' }),
      });
      const { data } = (await response.json()) as { data: { expiryList: { date: string; hasData: boolean; firstSnapshotAt: string }[] } };
      return data.expiryList.find((e) => e.hasData);
    }, 'a live expiry with data');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const played = await play({ expiry: listed.date, from: listed.firstSnapshotAt, to: iso(Date.now() + 60_000), speed: 0 });
    expect(played.errors).toBeUndefined();
    expect(played.frames.length).toBeGreaterThan(5);
    const analysed = played.frames.filter((f) => f.analytics);
    console.log(`live range: ${played.frames.length} frames, ${analysed.length} with stored analytics`);
    expect(analysed.length).toBeGreaterThan(0);
    for (const frame of analysed) expect(frame.analytics).toEqual({ timestamp: frame.timestamp, spot: frame.chain.spot });
    // The mood page replays too: each frame from the first analysed one on has the symbol's mood as stored at or before it.
    const first = played.frames.findIndex((f) => f.mood);
    expect(first).toBeGreaterThanOrEqual(0);
    for (const frame of played.frames.slice(first)) {
      expect(frame.mood).not.toBeNull();
      expect(Date.parse(frame.mood!.timestamp)).toBeLessThanOrEqual(Date.parse(frame.timestamp));
    }
    expect(new Set(played.frames.slice(first).map((f) => f.mood!.timestamp)).size).toBeGreaterThan(1);
  }, 60_000);

  it('plays over SSE too (Yoga\'s HTTP path), each frame an event, then completes', async () => {
    const range = stored.slice(0, 30);
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PLAYBACK, variables: { expiry, from: iso(range[0].timestamp), to: iso(range.at(-1)!.timestamp), speed: 0 } }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const frames = text
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => (JSON.parse(line.slice(6)) as { data: { playback: Frame } }).data.playback);
    expect(frames.map((f) => [f.position, f.total, f.timestamp])).toEqual(range.map((s, i) => [i + 1, 30, iso(s.timestamp)]));
    expect(text).toContain('event: complete');
    await waitFor(() => (stats().active === 0 ? true : undefined), 'the playback slot freed', 2000, 20);
  }, 30_000);

  it('paces frames at speed × real time: 119 s stored one second apart play in about 2 s at speed 60', async () => {
    const played = await play({ expiry, from: iso(stored[0].timestamp), to: iso(stored.at(-1)!.timestamp), speed: 60 });
    expect(played.errors).toBeUndefined();
    expect(played.frames).toHaveLength(120);
    const elapsed = played.arrivals.at(-1)! - played.arrivals[0];
    console.log(`speed 60: 120 frames over 119 s of data in ${elapsed.toFixed(0)} ms (ideal ${((119 / 60) * 1000).toFixed(0)} ms)`);
    // About 119/60 s: the first frame may reach the client a little late (shortening the span), timers only fire late.
    expect(elapsed).toBeGreaterThanOrEqual(1800);
    expect(elapsed).toBeLessThan(4000);
    // Evenly: no frame more than half a second behind its schedule.
    played.arrivals.forEach((arrival, i) => expect(arrival - played.arrivals[0] - (i * 1000) / 60).toBeLessThan(500));
  }, 30_000);

  it('stops reading as soon as the client leaves, cutting short the wait for the next frame, and frees its slot', async () => {
    const before = stats();
    // At speed 0.2 the next frame of a snapshot a second later is 5 s away (the cap).
    const played = await play({ expiry, from: iso(stored[0].timestamp), to: iso(stored.at(-1)!.timestamp), speed: 0.2 }, { stopAfter: 1 });
    const left = performance.now();
    expect(played.frames.map((f) => [f.position, f.total])).toEqual([[1, 120]]);
    // The slot is freed when the playback's reads have really ended: the wait was cut short.
    await waitFor(() => (stats().active === before.active ? true : undefined), 'the playback slot freed', 1000, 10);
    console.log(`client left mid-wait: the playback ended ${(performance.now() - left).toFixed(0)} ms later`);
    const after = stats();
    // One page was read (PLAYBACK_PAGE_SIZE of the 120 snapshots), and none after the client left.
    expect(PLAYBACK_PAGE_SIZE).toBeLessThan(120);
    expect(after.pagesRead - before.pagesRead).toBe(1);
    expect(after.framesSent - before.framesSent).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stats()).toEqual(after);
  }, 30_000);

  it('refuses bad arguments with typed errors naming the argument, and a range with nothing stored with NO_DATA', async () => {
    const from = iso(stored[0].timestamp);
    const to = iso(stored.at(-1)!.timestamp);
    expect(await refusal({ expiry, from: to, to: from })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
    expect(await refusal({ expiry, from, to: from })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
    expect(await refusal({ expiry, from, to, speed: -1 })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'speed' });
    expect(await refusal({ expiry, from, to, speed: 3601 })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'speed' });
    expect(await refusal({ expiry, from, to: iso(stored[0].timestamp + 8 * 86_400_000) })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
    expect(await refusal({ expiry, from: 'yesterday', to })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
    const early = await refusal({ expiry, from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' });
    expect(early).toMatchObject({ code: 'NO_DATA', argument: 'from' });
    expect(early.message).toContain(`stored from ${iso(stored[0].timestamp)}`);
    expect(await refusal({ expiry: '2026-10-27', from, to })).toMatchObject({ code: 'NO_DATA', argument: 'expiry' });
    expect(stats().active).toBe(0);
  }, 30_000);

  it('runs two playbacks at once while the pipeline keeps storing, and answers SERVER_BUSY beyond PLAYBACK_MAX_CONCURRENT', async () => {
    const writtenBefore = await snapshotsWritten(origin);
    const variables = { expiry, from: iso(stored[0].timestamp), to: iso(stored.at(-1)!.timestamp), speed: 30 };
    // The same operation half a second apart: each its own stream from its first frame, not one shared execution.
    const first = play(variables);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const both = Promise.all([first, play(variables)]);
    await waitFor(() => (stats().active === 2 ? true : undefined), 'two playbacks running', 5000, 20);
    expect(await refusal(variables)).toMatchObject({ code: 'SERVER_BUSY' });
    const [one, two] = await both;
    for (const played of [one, two]) {
      expect(played.errors).toBeUndefined();
      expect(played.frames.map((f) => f.timestamp)).toEqual(stored.map((s) => iso(s.timestamp)));
      // Each its own stream at its own pace: 119 s at speed 30 take about 4 s.
      expect(played.arrivals.at(-1)! - played.arrivals[0]).toBeGreaterThanOrEqual(3700);
    }
    const writtenAfter = await snapshotsWritten(origin);
    console.log(`two playbacks at speed 30: ${(one.arrivals.at(-1)! - one.arrivals[0]).toFixed(0)} and ${(two.arrivals.at(-1)! - two.arrivals[0]).toFixed(0)} ms; the pipeline stored ${writtenAfter - writtenBefore} snapshots meanwhile`);
    // The simulator ticks every 200 ms: about 20 snapshots in 4 s.
    expect(writtenAfter - writtenBefore).toBeGreaterThan(8);
    expect(stats().active).toBe(0);
  }, 60_000);

  it('holds a playback at the pace of a client that stops reading, with only the socket buffers in flight, and misses no frame', async () => {
    const before = stats();
    const socket = new WebSocket(`${origin.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { id?: string; type: string; payload?: { data?: { playback: { position: number; total: number } }; errors?: unknown } }[] = [];
    let bytes = 0;
    socket.on('message', (data: Buffer) => {
      bytes += data.length;
      messages.push(JSON.parse(String(data)));
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor(() => (messages.some((m) => m.type === 'connection_ack') ? true : undefined), 'connection_ack', 5000, 10);
    // From here on the client reads nothing: the kernel's buffers fill, then the server's write waits.
    const tcp = (socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const query = `subscription($expiry: Date!, $from: DateTime!, $to: DateTime!) {
      playback(symbol: "NIFTY", expiry: $expiry, from: $from, to: $to, speed: 0) {
        position total chain { rows { strike call { ltp bid ask bidQty askQty volume oi iv delta gamma theta vega } put { ltp bid ask bidQty askQty volume oi iv delta gamma theta vega } } }
      }
    }`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { expiry: wide[0].expiry, from: iso(wide[0].timestamp), to: iso(wide.at(-1)!.timestamp) } } }));
    // Wait until the server stops sending: the same count for a whole second.
    let sent = -1;
    for (let steady = 0; steady < 5; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = stats().framesSent - before.framesSent;
      steady = now === sent && now > 0 ? steady + 1 : 0;
      sent = now;
    }
    const stalled = stats();
    expect(stalled.active).toBe(before.active + 1);
    expect(sent).toBeLessThan(wide.length);
    // It read no further than the page of the frame it is waiting to send.
    expect(stalled.pagesRead - before.pagesRead).toBeLessThanOrEqual(Math.ceil(sent / PLAYBACK_PAGE_SIZE) + 1);
    tcp.resume();
    await waitFor(() => (messages.some((m) => m.type === 'complete' || m.type === 'error') ? true : undefined), 'the playback completed', 60_000, 50);
    const frames = messages.filter((m) => m.type === 'next').map((m) => m.payload!.data!.playback);
    expect(frames.map((f) => f.position)).toEqual(wide.map((_, i) => i + 1));
    const frameBytes = bytes / frames.length;
    console.log(
      `a client that stopped reading held the playback at ${sent} of ${wide.length} frames of ${(frameBytes / 1024).toFixed(0)} KiB (${((sent * frameBytes) / 2 ** 20).toFixed(1)} MiB in the socket buffers; ${(stalled.pagesRead - before.pagesRead)} pages read); resumed, it received all ${frames.length}`,
    );
    socket.close();
    await waitFor(() => (stats().active === before.active ? true : undefined), 'the playback slot freed', 2000, 20);
  }, 90_000);
});

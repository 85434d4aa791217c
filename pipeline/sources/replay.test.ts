import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RawSnapshot } from '../../core/models.ts';
import { ReplaySource, SnapshotRecorder } from './replay.ts';

const T0 = Date.parse('2026-01-06T04:00:00Z'); // 09:30 IST

function snapshot(i: number, timestamp = T0 + i * 3000, symbol = i % 2 === 0 ? 'NIFTY' : 'BANKNIFTY'): RawSnapshot {
  return {
    version: 1,
    id: `dhan:${symbol}:2026-01-13:${i.toString(16).padStart(16, '0')}`,
    source: 'dhan',
    symbol,
    expiry: '2026-01-13',
    timestamp,
    spot: 24_000 + i,
    rows: [
      { strike: 23_950, call: null, put: { ltp: 41.5, bid: 41.4, ask: 41.6, oi: 1_200_000 + i, sourceIv: 0.131, sourceDelta: -0.38 } },
      { strike: 24_000, call: { ltp: 120.05 + i, volume: 3_000_000, sourceIv: null, securityId: '40012' }, put: { ltp: 95.2, sourceIv: 0.128 } },
    ],
  };
}

let dir: string;
let source: ReplaySource | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-test-'));
});
afterEach(async () => {
  await source?.stop();
  source = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function record(path: string, snapshots: RawSnapshot[], options: { append?: boolean } = {}): Promise<void> {
  const recorder = await new SnapshotRecorder().open(path, options);
  for (const s of snapshots) await recorder.write(s);
  expect(recorder.written).toBe(snapshots.length);
  await recorder.close();
}

/** A clock that only moves when the source sleeps (or a consumer says so). */
function fakeClock(start = 1_000_000) {
  const clock = { now: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

describe('SnapshotRecorder + ReplaySource', () => {
  it('round-trips: what was recorded is replayed identically, with source "replay" and "replay:"-prefixed ids', async () => {
    const path = join(dir, 'session.ndjson.gz');
    const original = Array.from({ length: 7 }, (_, i) => snapshot(i));
    await record(path, original);

    const lines = gunzipSync(await readFile(path)).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[0])).toEqual(original[0]);

    const replayed: RawSnapshot[] = [];
    source = new ReplaySource({ path, speed: Infinity });
    await source.start((s) => void replayed.push(s));
    await source.finished();
    expect(replayed).toEqual(original.map((s) => ({ ...s, source: 'replay', id: `replay:${s.id}` })));
    expect(source.status()).toMatchObject({ name: 'replay', state: 'stopped', snapshotsEmitted: 7, rejected: {}, passes: 1 });
  });

  it('reports each pass through the file as progress by bytes read, the last line the whole file', async () => {
    const path = join(dir, 'progress.ndjson.gz');
    await record(path, Array.from({ length: 20 }, (_, i) => snapshot(i)));
    const logged: { message: string; fields?: Record<string, unknown> }[] = [];
    const log = { debug() {}, warn() {}, error() {}, info: (message: string, fields?: Record<string, unknown>) => void logged.push({ message, fields }), child: () => log };
    source = new ReplaySource({ path, speed: Infinity, progress: { log } });
    await source.start(() => {});
    await source.finished();
    const size = (await readFile(path)).length;
    expect(logged.at(-1)).toEqual({ message: 'replay pass 1 finished', fields: expect.objectContaining({ done: size, total: size, percent: 100, etaSeconds: 0 }) });
  });

  it('appends to an existing recording as a second gzip member that replays as one stream', async () => {
    const path = join(dir, 'appended.ndjson.gz');
    await record(path, [snapshot(0), snapshot(1)]);
    await record(path, [snapshot(2)], { append: true });
    const replayed: RawSnapshot[] = [];
    source = new ReplaySource({ path, speed: Infinity });
    await source.start((s) => void replayed.push(s));
    await source.finished();
    expect(replayed.map((s) => s.spot)).toEqual([24_000, 24_001, 24_002]);
  });

  it('preserves the original gaps divided by the speed (fake clock), without drift from a slow consumer', async () => {
    const path = join(dir, 'timed.ndjson.gz');
    const offsets = [0, 3000, 9000, 10_000, 10_000, 40_000];
    await record(path, offsets.map((dt, i) => snapshot(i, T0 + dt)));
    const { clock, now, sleep } = fakeClock();
    const start = clock.now;
    const emittedAt: number[] = [];
    source = new ReplaySource({ path, speed: 10, now, sleep });
    await source.start(() => {
      emittedAt.push(clock.now - start);
      clock.now += 50; // the consumer takes 50 ms each time
    });
    await source.finished();
    expect(emittedAt).toEqual([0, 300, 900, 1000, 1050, 4000]);
  });

  it('replays at N× speed on the real clock, loosely', async () => {
    const path = join(dir, 'real.ndjson.gz');
    await record(path, [0, 1, 2, 3, 4].map((i) => snapshot(i, T0 + i * 3000)));
    const emittedAt: number[] = [];
    source = new ReplaySource({ path, speed: 100 });
    const started = performance.now();
    await source.start(() => void emittedAt.push(performance.now() - started));
    await source.finished();
    const gaps = emittedAt.slice(1).map((t, i) => t - emittedAt[i]);
    expect(emittedAt.at(-1)).toBeGreaterThanOrEqual(120 - 5);
    expect(emittedAt.at(-1)).toBeLessThan(1500);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(20);
  });

  it('skips corrupted lines, counts them by reason, and replays the rest', async () => {
    const path = join(dir, 'corrupted.ndjson.gz');
    const good = [snapshot(0), snapshot(1)];
    const lines = [
      JSON.stringify(good[0]),
      '{"version":1,"id":"broken", "rows": [',
      JSON.stringify({ ...snapshot(5), version: 2 }),
      JSON.stringify({ ...snapshot(6), spot: -1 }),
      '',
      'null',
      JSON.stringify(good[1]),
    ];
    await writeFile(path, gzipSync(`${lines.join('\n')}\n`));
    const replayed: RawSnapshot[] = [];
    source = new ReplaySource({ path, speed: Infinity });
    await source.start((s) => void replayed.push(s));
    await source.finished();
    expect(replayed.map((s) => s.id)).toEqual(good.map((s) => `replay:${s.id}`));
    expect(source.status().rejected).toEqual({ invalid_json: 1, unknown_version: 1, invalid_envelope: 2 });
    expect(source.status().state).toBe('stopped');
  });

  it('survives a truncated file: emits what it could read and reports the read error', async () => {
    const path = join(dir, 'truncated.ndjson.gz');
    await record(path, Array.from({ length: 200 }, (_, i) => snapshot(i)));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const replayed: RawSnapshot[] = [];
    source = new ReplaySource({ path, speed: Infinity });
    await source.start((s) => void replayed.push(s));
    await source.finished();
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.length).toBeLessThan(200);
    expect(source.status().rejected.read_error).toBe(1);
    expect(source.status().message).toMatch(/could not be read to the end/);
  });

  it('fails, saying why, on a file that is not gzip (regression: it replayed nothing and stayed silent)', async () => {
    const path = join(dir, 'plain.ndjson');
    await writeFile(path, `${JSON.stringify(snapshot(0))}\n`);
    source = new ReplaySource({ path, speed: Infinity });
    await source.start(() => {});
    await source.finished();
    expect(source.status().state).toBe('failed');
    expect(source.status().message).toMatch(/cannot read recording .*plain\.ndjson: .*expected gzip-compressed NDJSON/);
  });

  it('fails on a gzip file without a single valid snapshot', async () => {
    const path = join(dir, 'garbage.ndjson.gz');
    await writeFile(path, gzipSync('not json\n{"version":1}\n'));
    source = new ReplaySource({ path, speed: Infinity });
    await source.start(() => {});
    await source.finished();
    expect(source.status().state).toBe('failed');
    expect(source.status().message).toMatch(/holds no valid snapshot .*invalid_json/);
  });

  it('loops with fresh ids and forward-moving timestamps on every pass', async () => {
    const path = join(dir, 'loop.ndjson.gz');
    await record(path, [0, 1, 2].map((i) => snapshot(i)));
    const replayed: RawSnapshot[] = [];
    source = new ReplaySource({ path, speed: Infinity, loop: true });
    await source.start((s) => void replayed.push(s));
    while (replayed.length < 8) await new Promise((resolve) => setTimeout(resolve, 1));
    await source.stop();
    expect(replayed[3].id).toBe(`replay:1:${snapshot(0).id}`);
    expect(replayed[6].id).toBe(`replay:2:${snapshot(0).id}`);
    const timestamps = replayed.map((s) => s.timestamp);
    for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1]);
    expect(replayed[3].timestamp - replayed[2].timestamp).toBe(3000);
    expect(source.status().state).toBe('stopped');
  });

  it('stop() interrupts a long wait between snapshots and resolves promptly', async () => {
    const path = join(dir, 'slow.ndjson.gz');
    await record(path, [snapshot(0, T0), snapshot(1, T0 + 3_600_000)]);
    const replayed: RawSnapshot[] = [];
    source = new ReplaySource({ path, speed: 1 });
    await source.start((s) => void replayed.push(s));
    while (replayed.length < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(replayed).toHaveLength(1);
    expect(source.status().state).toBe('stopped');
  });

  it('refuses to start on a missing file, naming it', async () => {
    source = new ReplaySource({ path: join(dir, 'missing.ndjson.gz') });
    await expect(source.start(() => {})).rejects.toThrow(/missing\.ndjson\.gz/);
    expect(source.status().state).toBe('failed');
  });
});

import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Spool, SpoolFullError } from './spool.ts';
import { scratchDir } from '../test/fixtures.ts';

type Row = { n: number; text?: string };

describe('the spool', () => {
  it('hands back what was appended, oldest first, and forgets a segment once it is done', async () => {
    const dir = scratchDir('spool');
    const spool = await Spool.open<Row>({ dir, maxBytes: 1 << 20, segmentBytes: 64 });
    await spool.append([{ n: 1 }, { n: 2 }]);
    await spool.append([{ n: 3 }]);
    await spool.append([{ n: 4, text: 'quote " and \n newline' }]);
    expect(spool.isEmpty).toBe(false);
    const seen: Row[] = [];
    for (let segment = await spool.oldest(); segment; segment = await spool.oldest()) {
      seen.push(...segment.records);
      await segment.done();
    }
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4, text: 'quote " and \n newline' }]);
    expect(spool.isEmpty).toBe(true);
    expect(spool.stats()).toMatchObject({ bytes: 0, segments: 0, appended: 4, replayed: 4, corrupt: 0 });
    await spool.close();
    expect((await readdir(dir)).filter((f) => f.startsWith('segment-'))).toEqual([]);
  });

  it('keeps what it holds across a restart, and a segment not marked done is handed back again', async () => {
    const dir = scratchDir('spool');
    const first = await Spool.open<Row>({ dir, maxBytes: 1 << 20 });
    await first.append([{ n: 1 }, { n: 2 }]);
    const taken = await first.oldest();
    expect(taken?.records).toHaveLength(2);
    // The process dies before the records were stored: no done().
    await first.close();
    const second = await Spool.open<Row>({ dir, maxBytes: 1 << 20 });
    expect(second.stats().bytes).toBeGreaterThan(0);
    await second.append([{ n: 3 }]);
    const again = await second.oldest();
    expect(again?.records).toEqual([{ n: 1 }, { n: 2 }]);
    await again!.done();
    expect((await second.oldest())?.records).toEqual([{ n: 3 }]);
    await second.close();
  });

  it('skips a torn last line and a corrupted one, counting them (a kill in the middle of a write)', async () => {
    const dir = scratchDir('spool');
    const spool = await Spool.open<Row>({ dir, maxBytes: 1 << 20 });
    await spool.append([{ n: 1 }, { n: 2 }]);
    await spool.close();
    const [segment] = (await readdir(dir)).filter((f) => f.startsWith('segment-'));
    await appendFile(join(dir, segment), '00000000 {"n":99}\n{"n":3');
    const reopened = await Spool.open<Row>({ dir, maxBytes: 1 << 20 });
    const oldest = await reopened.oldest();
    expect(oldest?.records).toEqual([{ n: 1 }, { n: 2 }]);
    expect(oldest?.corrupt).toBe(2);
    await reopened.close();
  });

  it('refuses an append beyond its size, but never the first one', async () => {
    const spool = await Spool.open<Row>({ dir: scratchDir('spool'), maxBytes: 40 });
    await spool.append([{ n: 1, text: 'a record longer than the whole spool may hold' }]);
    await expect(spool.append([{ n: 2 }])).rejects.toBeInstanceOf(SpoolFullError);
    const oldest = await spool.oldest();
    await oldest!.done();
    await spool.append([{ n: 2 }]);
    await spool.close();
  });

  it('belongs to one live process at a time, and takes over the lock of a dead one', async () => {
    const dir = scratchDir('spool');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      await writeFile(join(dir, 'spool.lock'), String(child.pid));
      await expect(Spool.open({ dir, maxBytes: 1000 })).rejects.toThrow(/in use by process/);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const spool = await Spool.open({ dir, maxBytes: 1000 });
    await spool.close();
  });
});

import { describe, expect, it } from 'vitest';
import { BoundedCache } from './boundedCache.ts';

const sized = (maxBytes: number) => new BoundedCache<{ bytes: number; name: string }>(maxBytes, (v) => v.bytes);
const value = (name: string, bytes = 10) => ({ name, bytes });

describe('BoundedCache', () => {
  it('never holds more than its byte budget, evicting the least recently used first', () => {
    const cache = sized(30);
    cache.set('a', value('a'));
    cache.set('b', value('b'));
    cache.set('c', value('c'));
    expect(cache.get('a')?.name).toBe('a'); // a is now the most recently used
    cache.set('d', value('d'));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.get(k)?.name)).toEqual(['a', 'c', 'd']);
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 30, evictions: 1 });
  });

  it('evicts as many entries as a large value needs, and keeps the byte count exact over replacements and deletes', () => {
    const cache = sized(100);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, value(`k${i}`));
    cache.set('k9', value('k9', 5));
    expect(cache.stats().bytes).toBe(95);
    cache.set('big', value('big', 60));
    expect(cache.stats().bytes).toBeLessThanOrEqual(100);
    expect(cache.get('big')?.name).toBe('big');
    expect(cache.get('k0')).toBeUndefined();
    cache.delete('big');
    expect(cache.stats().bytes).toBe([...Array(10).keys()].map((i) => cache.get(`k${i}`)).reduce((n, v) => n + (v?.bytes ?? 0), 0));
  });

  it('does not keep a value larger than the whole budget, and keeps nothing at a budget of 0', () => {
    const cache = sized(50);
    cache.set('a', value('a'));
    expect(cache.set('huge', value('huge', 51))).toBe(false);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('a')?.name).toBe('a');
    const off = sized(0);
    expect(off.set('a', value('a'))).toBe(false);
    expect(off.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('refuses a negative budget', () => {
    expect(() => sized(-1)).toThrow(RangeError);
  });

  it('loads a missing key once for concurrent callers, then answers from memory', async () => {
    const cache = sized(100);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      loads++;
      await gate;
      return value('v');
    };
    const first = cache.getOrLoad('k', load);
    const second = cache.getOrLoad('k', load);
    release();
    expect((await first).name).toBe('v');
    expect((await second).name).toBe('v');
    expect((await cache.getOrLoad('k', load)).name).toBe('v');
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('returns but does not keep a null load, and lets a failed load be retried', async () => {
    const cache = sized(100);
    let loads = 0;
    expect(await cache.getOrLoad('k', async () => (loads++, null))).toBeNull();
    expect(await cache.getOrLoad('k', async () => (loads++, null))).toBeNull();
    expect(loads).toBe(2);
    await expect(cache.getOrLoad('e', async () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    expect((await cache.getOrLoad('e', async () => value('back'))).name).toBe('back');
  });
});

import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { compileWriter, InvalidValue } from './avroWriter.ts';
import { SCHEMAS } from './avroCodec.ts';
import { TOPICS } from './bus.ts';
import { simulatedEnrichedSnapshots, simulatedRawSnapshots } from '../test/fixtures.ts';

const OPTIONS = { omitRecordMethods: true, wrapUnions: 'auto' } as const;

/** Every construct the compiler handles, defaults of several kinds among them. */
const EVERYTHING = avro.Type.forSchema(
  {
    type: 'record',
    name: 'Everything',
    fields: [
      { name: 'i', type: 'int' },
      { name: 'l', type: 'long' },
      { name: 'd', type: 'double' },
      { name: 'f', type: 'float' },
      { name: 'b', type: 'boolean' },
      { name: 's', type: 'string' },
      { name: 'n', type: 'null' },
      { name: 'od', type: ['null', 'double'], default: null },
      { name: 'os', type: ['null', 'string'], default: null },
      { name: 'dn', type: ['double', 'null'], default: 1.5 },
      { name: 'di', type: 'int', default: 7 },
      { name: 'ds', type: 'string', default: 'dflt' },
      {
        name: 'inner',
        type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'double' }, { name: 'tag', type: ['null', 'string'], default: null }] }],
        default: null,
      },
      { name: 'list', type: { type: 'array', items: 'Inner' } },
      { name: 'counts', type: { type: 'map', values: 'long' } },
      { name: 'maybeList', type: ['null', { type: 'array', items: 'long' }], default: null },
      { name: 'maybeMap', type: ['null', { type: 'map', values: ['null', 'double'] }], default: null },
    ],
  },
  OPTIONS,
);

/** A deterministic generator (mulberry32), so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value of any kind, valid for some types and not others. */
function anything(next: () => number): unknown {
  const values: unknown[] = [
    null, undefined, 0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 30, -(2 ** 30) - 1, 2 ** 53, 2 ** 53 - 1, -(2 ** 53) + 1, 1.5, -0, NaN, Infinity,
    '', 'ascii', 'é accentué', '😀', 'x'.repeat(70), 'é'.repeat(40), true, false, [], [1, 2], {}, { x: 1 }, Buffer.from([1]),
  ];
  return values[Math.floor(next() * values.length)];
}

/** A value for `Everything`: each field right most of the time, anything now and then. */
function candidate(next: () => number): Record<string, unknown> {
  const maybe = (right: () => unknown): unknown => (next() < 0.93 ? right() : anything(next));
  const inner = (): Record<string, unknown> => ({ x: maybe(() => next() * 100 - 50), ...(next() < 0.5 ? { tag: maybe(() => 'tag') } : {}) });
  const value: Record<string, unknown> = {
    i: maybe(() => Math.floor((next() - 0.5) * 2 ** 32) | 0),
    l: maybe(() => Math.floor((next() - 0.5) * 2 ** 53)),
    d: maybe(() => (next() - 0.5) * 1e6),
    f: maybe(() => next()),
    b: maybe(() => next() < 0.5),
    s: maybe(() => ['', 'NIFTY', 'ünïcode', 'y'.repeat(100)][Math.floor(next() * 4)]),
    n: maybe(() => null),
    list: maybe(() => Array.from({ length: Math.floor(next() * 4) }, inner)),
    counts: maybe(() => Object.fromEntries(Array.from({ length: Math.floor(next() * 3) }, (_, k) => [`k${k}`, maybe(() => Math.floor(next() * 1e12))]))),
  };
  const optional: Record<string, () => unknown> = {
    od: () => next() * 10,
    os: () => 'o',
    dn: () => next(),
    di: () => 3,
    ds: () => 'given',
    inner,
    maybeList: () => [1, -2, 2 ** 40],
    maybeMap: () => ({ a: 1.25, b: null }),
  };
  for (const [name, make] of Object.entries(optional)) {
    const roll = next();
    if (roll < 0.3) continue; // absent: the default, or invalid where there is none
    value[name] = roll < 0.45 ? null : maybe(make);
  }
  return value;
}

describe('the compiled Avro writer', () => {
  it('writes the pipeline snapshots byte for byte as avsc does', () => {
    const fixture = { symbols: ['NIFTY', 'SENSEX'], strikesEachSide: 40, seed: 23, secondsPerTick: 1 };
    for (const [topic, values] of [
      [TOPICS.raw, simulatedRawSnapshots(5, fixture)],
      [TOPICS.enriched, simulatedEnrichedSnapshots(5, fixture)],
    ] as const) {
      const { schemas, version } = SCHEMAS[topic];
      const type = avro.Type.forSchema(schemas[version] as avro.Schema, OPTIONS);
      const write = compileWriter(type);
      expect(write).not.toBeNull();
      for (const value of values) expect(write!(value, 1).equals(Buffer.concat([Buffer.from([1]), type.toBuffer(value)]))).toBe(true);
    }
  });

  it('accepts exactly what avsc accepts, and writes it as avsc does (3,000 generated values, some invalid)', () => {
    const write = compileWriter(EVERYTHING)!;
    const next = random(17);
    let valid = 0;
    for (let n = 0; n < 3_000; n++) {
      const value = candidate(next);
      const expected = EVERYTHING.isValid(value);
      let written: Buffer | undefined;
      try {
        written = write(value, 9);
      } catch (error) {
        expect(error, JSON.stringify(value)).toBeInstanceOf(InvalidValue);
      }
      expect(written !== undefined, `case ${n}: ${JSON.stringify(value)}`).toBe(expected);
      if (!written) continue;
      valid++;
      expect(written[0]).toBe(9);
      expect(written.subarray(1).equals(EVERYTHING.toBuffer(value)), `case ${n}: ${JSON.stringify(value)}`).toBe(true);
    }
    // Both outcomes are exercised in earnest.
    expect(valid).toBeGreaterThan(300);
    expect(valid).toBeLessThan(2_700);
  });

  it('grows its buffer for a value larger than it, and the bytes returned are not overwritten by the next write', () => {
    const write = compileWriter(avro.Type.forSchema({ type: 'array', items: 'string' }, OPTIONS))!;
    const big = Array.from({ length: 2_000 }, (_, i) => `strike-${i}-${'z'.repeat(60)}`);
    const first = write(big, 1);
    const copy = Buffer.from(first);
    write(['other'], 1);
    expect(first.equals(copy)).toBe(true);
    expect(avro.Type.forSchema({ type: 'array', items: 'string' }).fromBuffer(first.subarray(1))).toEqual(big);
  });

  it('compiles no writer for a schema with a construct it does not handle (avsc writes those)', () => {
    expect(compileWriter(avro.Type.forSchema({ type: 'enum', name: 'Side', symbols: ['CE', 'PE'] }))).toBeNull();
    expect(compileWriter(avro.Type.forSchema(['null', 'string', 'double'], OPTIONS))).toBeNull();
    expect(compileWriter(avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'b', type: 'bytes' }] }))).toBeNull();
  });
});

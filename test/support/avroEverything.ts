/**
 * An Avro type with every construct the compiled writer and reader handle
 * (pipeline/avroWriter.ts, pipeline/avroReader.ts), and a deterministic
 * generator of values for it, most valid and some not, so both are checked
 * against avsc on the same cases.
 */
import avro from 'avsc';

export const OPTIONS = { omitRecordMethods: true, wrapUnions: 'auto' } as const;

/** Every construct the compiler handles, defaults of several kinds among them. */
export const EVERYTHING = avro.Type.forSchema(
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
export function random(seed: number): () => number {
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
export function candidate(next: () => number): Record<string, unknown> {
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

import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { compileReader } from './avroReader.ts';
import { SCHEMAS } from './avroCodec.ts';
import { TOPICS } from './bus.ts';
import { simulatedEnrichedSnapshots, simulatedRawSnapshots } from '../test/fixtures.ts';
import { candidate, EVERYTHING, OPTIONS, random } from '../test/support/avroEverything.ts';

/** A record that contains itself, beside a float and a map of a union. */
const NESTED = avro.Type.forSchema(
  {
    type: 'record',
    name: 'Nested',
    fields: [
      { name: 'f', type: 'float' },
      { name: 'inner', type: ['null', { type: 'record', name: 'Link', fields: [{ name: 'x', type: 'double' }, { name: 'next', type: ['null', 'Link'] }] }] },
      { name: 'maybeMap', type: ['null', { type: 'map', values: ['null', 'double'] }] },
    ],
  },
  OPTIONS,
);

/** The framing byte the codec writes before a record, then the record's bytes. */
const framed = (type: avro.Type, value: unknown) => Buffer.concat([Buffer.from([1]), type.toBuffer(value)]);

describe('compiled Avro reader', () => {
  it('reads every construct it compiles as avsc does, from after the framing byte (3,000 generated values)', () => {
    const read = compileReader(EVERYTHING)!;
    expect(read).not.toBeNull();
    const next = random(29);
    let checked = 0;
    for (let n = 0; n < 3_000; n++) {
      const value = candidate(next);
      if (!EVERYTHING.isValid(value)) continue;
      const bytes = framed(EVERYTHING, value);
      const ours = read(bytes, 1) as Record<string, unknown>;
      expect(ours, `case ${n}: ${JSON.stringify(value)}`).toEqual(EVERYTHING.fromBuffer(bytes.subarray(1)));
      expect(Object.keys(ours)).toEqual((EVERYTHING as avro.types.RecordType).fields.map((f) => f.name));
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('reads a record that contains itself, -0, NaN and long strings as avsc does', () => {
    const value = { f: 0.5, inner: { x: -0, next: { x: Number.NaN, next: null } }, maybeMap: { ['ü'.repeat(40)]: null, q: 1.25 } };
    const bytes = framed(NESTED, value);
    const ours = compileReader(NESTED)!(bytes, 1) as typeof value;
    expect(ours).toEqual(NESTED.fromBuffer(bytes.subarray(1)));
    expect(Object.is(ours.inner.x, -0)).toBe(true);
  });

  it('reads arrays written in blocks with a negative count and a byte size, as Avro allows', () => {
    const type = avro.Type.forSchema({ type: 'array', items: 'long' }, OPTIONS);
    // Two blocks: -2 (count 2, then its size 2 bytes) items 1, 2; then 1 item 3; then the end.
    const bytes = Buffer.from([0, 3, 4, 2, 4, 2, 6, 0]);
    expect(compileReader(type)!(bytes, 1)).toEqual([1, 2, 3]);
    expect(type.fromBuffer(bytes.subarray(1))).toEqual([1, 2, 3]);
  });

  it('reads raw and enriched snapshots (81 strikes) exactly as avsc does', () => {
    const fixture = { symbols: ['NIFTY', 'BANKNIFTY'], strikesEachSide: 40, seed: 7, secondsPerTick: 1 };
    for (const [topic, values] of [
      [TOPICS.raw, simulatedRawSnapshots(5, fixture)],
      [TOPICS.enriched, simulatedEnrichedSnapshots(5, fixture)],
    ] as const) {
      const { version, schemas } = SCHEMAS[topic];
      const type = avro.Type.forSchema(schemas[version] as avro.Schema, OPTIONS);
      const read = compileReader(type);
      expect(read, topic).not.toBeNull();
      for (const value of values) {
        const bytes = framed(type, value);
        expect(read!(bytes, 1)).toEqual(type.fromBuffer(bytes.subarray(1)));
      }
    }
  });

  it('refuses what avsc refuses: bytes ending early, bytes left over, an unsafe long, a union index out of range', () => {
    const read = compileReader(NESTED)!;
    const bytes = framed(NESTED, { f: 1, inner: { x: 2, next: null }, maybeMap: { key: 3 } });
    for (const cut of [1, 2, 10, Math.floor(bytes.length / 2), bytes.length - 1]) {
      expect(() => read(bytes.subarray(0, cut), 1), `cut at ${cut}`).toThrow(/truncated buffer/);
    }
    expect(() => read(Buffer.concat([bytes, Buffer.from([0])]), 1)).toThrow(/trailing data/);

    const long = avro.Type.forSchema('long');
    // Zig-zag varint of 2^53 (beyond ±(2^53 − 2)).
    const unsafe = Buffer.from([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    expect(() => long.fromBuffer(unsafe.subarray(1))).toThrow(/potential precision loss/);
    expect(() => compileReader(long)!(unsafe, 1)).toThrow(/potential precision loss/);

    const union = avro.Type.forSchema(['null', 'double'], OPTIONS);
    expect(() => compileReader(union)!(Buffer.from([0, 4]), 1)).toThrow(/invalid union index: 2/);
  });

  it('leaves to avsc what it does not compile: logical types, enums, wider unions', () => {
    expect(compileReader(avro.Type.forSchema({ type: 'enum', name: 'Side', symbols: ['CE', 'PE'] }))).toBeNull();
    expect(compileReader(avro.Type.forSchema(['null', 'int', 'string'], OPTIONS))).toBeNull();
    expect(compileReader(avro.Type.forSchema({ type: 'record', name: 'T', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] }, { ...OPTIONS, logicalTypes: { 'timestamp-millis': class extends avro.types.LogicalType {} } }))).toBeNull();
  });
});

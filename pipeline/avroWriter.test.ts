import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { compileWriter, InvalidValue } from './avroWriter.ts';
import { SCHEMAS } from './avroCodec.ts';
import { TOPICS } from './bus.ts';
import { simulatedEnrichedSnapshots, simulatedRawSnapshots } from '../test/fixtures.ts';
import { candidate, EVERYTHING, OPTIONS, random } from '../test/support/avroEverything.ts';

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

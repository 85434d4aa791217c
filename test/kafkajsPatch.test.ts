/**
 * kafkajs as patched by patches/kafkajs+2.2.4.patch (applied by `npm ci`'s
 * postinstall): a slicing-by-8 CRC-32C, and encoders that neither zero-fill
 * their buffers nor copy a record's value at each doubling. Together they
 * halve the CPU of encoding a produce request of 22 KB snapshots (README,
 * Kafka bus). A wrong checksum would only show on a real broker, which
 * rejects the record batch (CORRUPT_MESSAGE; the mock cluster does not
 * check), so the checksum is pinned here against the byte-at-a-time
 * definition, and the encoded batch against what a broker checks.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: { offsetDelta: number; timestampDelta: number; key: Buffer; value: Buffer; headers?: Record<string, Buffer> }) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (batch: { firstTimestamp: number; maxTimestamp: number; lastOffsetDelta: number; records: unknown[] }) => Promise<{ buffer: Buffer }> };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{
  records: { key: Buffer; value: Buffer; headers: Record<string, Buffer> }[];
}>;

/** CRC-32C by its definition: one bit at a time, reflected polynomial 0x82F63B78. */
function referenceCrc32C(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('kafkajs as patched', () => {
  it('is patched (run npm ci: postinstall applies patches/)', () => {
    const source = (file: string) => readFileSync(require.resolve(`kafkajs/src/protocol/${file}`), 'utf8');
    expect(source('recordBatch/crc32C/crc32C.js')).toMatch(/slicing-by-8/);
    expect(source('encoder.js')).toMatch(/Buffer\.allocUnsafe\(newLength\)/);
  });

  it('computes CRC-32C as defined: the standard check value, and random buffers of every length modulo 8 and across the 8-byte steps', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    for (const length of [...Array(41).keys(), 1_023, 22_000, 65_537]) {
      for (let round = 0; round < 5; round++) {
        const buffer = randomBytes(length);
        expect(crc32C(buffer), `length ${length}`).toBe(referenceCrc32C(buffer));
      }
    }
    // A view into a larger buffer (what the record batch encoder passes): only its own bytes count.
    const backing = randomBytes(100);
    expect(crc32C(backing.subarray(13, 77))).toBe(referenceCrc32C(Buffer.from(backing.subarray(13, 77))));
  });

  it('encodes a record batch of large values that decodes back to them, with the checksum a broker verifies, whatever the reused memory held', async () => {
    const records = Array.from({ length: 7 }, (_, i) => ({
      offsetDelta: i,
      timestampDelta: 0,
      key: Buffer.from(`SYMBOL${i % 3}`),
      value: randomBytes(20_000 + i * 1_111),
      headers: i % 2 ? { traceparent: Buffer.from(`00-${i}`) } : undefined,
    }));
    const encode = async () => (await RecordBatch({ firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000, lastOffsetDelta: records.length - 1, records: records.map((r) => Record(r)) })).buffer;
    const first = Buffer.from(await encode());
    // Dirty the memory unzeroed buffers come from, then encode again: byte for byte the same.
    for (let i = 0; i < 200; i++) Buffer.allocUnsafe(64 + (i % 4_000)).fill(0xa5);
    Buffer.allocUnsafe(1 << 16).fill(0x5a);
    const second = await encode();
    expect(second.equals(first)).toBe(true);

    // FirstOffset int64, Length int32, PartitionLeaderEpoch int32, Magic int8, CRC uint32, then what the CRC covers.
    const crcAt = 8 + 4 + 4 + 1;
    expect(first.readInt32BE(8)).toBe(first.length - 12);
    expect(first.readUInt32BE(crcAt)).toBe(referenceCrc32C(first.subarray(crcAt + 4)));

    const decoded = await decodeRecordBatch(new Decoder(first));
    expect(decoded.records.map((r) => r.key.toString())).toEqual(records.map((r) => r.key.toString()));
    decoded.records.forEach((r, i) => expect(r.value.equals(records[i].value), `record ${i}`).toBe(true));
    expect(decoded.records[1].headers.traceparent.toString()).toBe('00-1');
  });
});

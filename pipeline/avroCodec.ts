/**
 * The wire format of bus messages on Kafka: Avro, one schema per topic
 * (pipeline/avro/*.avsc), so a snapshot costs a fraction of its JSON and a
 * consumer can tell a message it cannot read from one that is broken.
 *
 * Layout of every message value:
 *
 *   byte 0      wire format (WIRE_FORMAT = 1: "an Avro record of this topic's schema")
 *   bytes 1…    the Avro record; its first field is the int `version` of the message
 *
 * A decoder reads the wire-format byte, then the `version` varint, before it
 * decodes the rest: an unknown format or version is rejected with
 * MessageError reason `unknown_version` naming the version it got and the one
 * this build reads; bytes that do not decode are rejected with reason
 * `invalid_encoding`.
 *
 * `market.raw`, `market.enriched` and `market.analytics` have real schemas
 * (the last carries the reducer's nested outputs as JSON documents, logical
 * type `json`). Every other topic
 * (contract-test topics, ad-hoc ones) uses a JSON-in-Avro envelope
 * `{ version: 1, json: string }`: still framed and versioned, but the value
 * is whatever JSON.stringify makes of it.
 *
 * Nullable fields decode as null whether they were null or absent when
 * encoded (the message types treat both the same).
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { ENRICHED_SNAPSHOT_VERSION, MessageError, RAW_SNAPSHOT_VERSION } from '../core/models.ts';
import { ANALYTICS_MESSAGE_VERSION } from '../core/analyticsMessage.ts';
import { TOPICS } from './bus.ts';

/** The framing byte this build writes and reads. */
export const WIRE_FORMAT = 1;
/** Version of the JSON envelope used on topics without a schema of their own. */
export const JSON_ENVELOPE_VERSION = 1;

interface TopicCodec {
  /** What the schema is called in error messages. */
  name: string;
  type: avro.Type;
  version: number;
}

/**
 * Logical type `json`: a string holding a JSON document, for nested outputs
 * whose shape is owned by their module (the analytics reducer's) rather than
 * by a schema here. Non-finite numbers become null, as in JSON.
 */
class JsonType extends avro.types.LogicalType {
  override _fromValue(value: unknown): unknown {
    return JSON.parse(value as string) as unknown;
  }
  override _toValue(value: unknown): unknown {
    return value === undefined ? undefined : JSON.stringify(value);
  }
  override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'string', 'logical:json') ? (value: unknown) => value : undefined;
  }
}

function loadSchema(file: string): avro.Type {
  const schema = JSON.parse(readFileSync(new URL(`./avro/${file}`, import.meta.url), 'utf8')) as avro.Schema;
  // Records decode as plain objects (no generated methods), unions of null and one type unwrapped.
  return avro.Type.forSchema(schema, { omitRecordMethods: true, wrapUnions: 'auto', logicalTypes: { json: JsonType } });
}

const jsonEnvelope = avro.Type.forSchema(
  {
    type: 'record',
    name: 'JsonEnvelope',
    namespace: 'market',
    fields: [
      { name: 'version', type: 'int' },
      { name: 'json', type: 'string' },
    ],
  },
  { omitRecordMethods: true },
);

const codecs = new Map<string, TopicCodec>([
  [TOPICS.raw, { name: 'raw snapshot', type: loadSchema('raw-snapshot.avsc'), version: RAW_SNAPSHOT_VERSION }],
  [TOPICS.enriched, { name: 'enriched snapshot', type: loadSchema('enriched-snapshot.avsc'), version: ENRICHED_SNAPSHOT_VERSION }],
  [TOPICS.analytics, { name: 'analytics message', type: loadSchema('analytics.avsc'), version: ANALYTICS_MESSAGE_VERSION }],
]);

/** Whether `topic` has a schema of its own (else the JSON envelope is used). */
export function hasSchema(topic: string): boolean {
  return codecs.has(topic);
}

/** Encodes a bus message value for `topic`; throws MessageError when it does not fit the topic's schema. */
export function encodeMessage(topic: string, value: unknown): Buffer {
  const codec = codecs.get(topic);
  if (!codec) {
    const json = JSON.stringify(value) ?? 'null';
    return frame(jsonEnvelope.toBuffer({ version: JSON_ENVELOPE_VERSION, json }));
  }
  const version = typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
  if (version !== codec.version) {
    throw new MessageError(
      `cannot encode ${codec.name} version ${JSON.stringify(version)} on ${topic}: this build writes version ${codec.version}`,
      'unknown_version',
    );
  }
  const problems: string[] = [];
  const valid = codec.type.isValid(value, {
    errorHook: (path, got) => problems.push(`${path.join('.') || '(root)'}: got ${describe(got)}`),
  });
  if (!valid) {
    throw new MessageError(`cannot encode ${codec.name} on ${topic}: ${problems.slice(0, 3).join('; ')}`, 'invalid_envelope');
  }
  return frame(codec.type.toBuffer(value));
}

/**
 * Decodes a message value read from `topic`. Throws MessageError with reason
 * `unknown_version` (a format or version this build does not read) or
 * `invalid_encoding` (bytes that are not a message of this topic).
 */
export function decodeMessage(topic: string, buffer: Buffer | null | undefined): unknown {
  if (!buffer || buffer.length === 0) {
    throw new MessageError(`empty message on ${topic}: expected an Avro-encoded value`, 'invalid_encoding');
  }
  const format = buffer[0];
  if (format !== WIRE_FORMAT) {
    throw new MessageError(`message on ${topic} has wire format ${format}; this build reads format ${WIRE_FORMAT}`, 'unknown_version');
  }
  const codec = codecs.get(topic);
  const name = codec?.name ?? 'JSON envelope';
  const expected = codec?.version ?? JSON_ENVELOPE_VERSION;
  const version = readVersion(buffer, topic);
  if (version !== expected) {
    throw new MessageError(`${name} on ${topic} has version ${version}; this build reads version ${expected}`, 'unknown_version');
  }
  const type = codec?.type ?? jsonEnvelope;
  let decoded: unknown;
  try {
    decoded = type.fromBuffer(buffer.subarray(1));
  } catch (error) {
    throw new MessageError(`cannot decode ${name} on ${topic}: ${error instanceof Error ? error.message : String(error)}`, 'invalid_encoding');
  }
  if (codec) return decoded;
  try {
    return JSON.parse((decoded as { json: string }).json) as unknown;
  } catch (error) {
    throw new MessageError(`cannot decode JSON envelope on ${topic}: ${error instanceof Error ? error.message : String(error)}`, 'invalid_encoding');
  }
}

function frame(avroBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([WIRE_FORMAT]), avroBytes]);
}

/** Reads the record's leading `version` field (an Avro zig-zag varint int) without decoding the rest. */
function readVersion(buffer: Buffer, topic: string): number {
  let value = 0;
  let shift = 0;
  for (let i = 1; i < Math.min(buffer.length, 6); i++) {
    const byte = buffer[i];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    shift += 7;
  }
  throw new MessageError(`cannot decode message on ${topic}: truncated or invalid version field`, 'invalid_encoding');
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

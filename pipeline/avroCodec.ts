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
 * decodes the rest, with Avro schema resolution: the version names the
 * writer's schema (every version this build has ever written is kept, in
 * `SCHEMAS` below), the reader's is this build's current one, so a message
 * written by an older build decodes into today's shape (fields added since
 * take their defaults, fields removed are skipped) and comes out with
 * today's version. Schema changes must therefore be compatible both ways:
 * add fields only with a default, remove only fields that had one, rename
 * only through aliases.
 *
 * A message from a newer build (a version above this build's) cannot be
 * read yet: it throws `NewerVersionError`, which is not a MessageError, so the
 * bus treats it as temporary and leaves it uncommitted rather than
 * dead-letter it: in a rolling upgrade where producers go first, the old
 * consumers stop on the first new message and their upgraded successors
 * take it from there, nothing lost. To keep old consumers flowing instead,
 * run the new producers with the previous `writeVersions` until every
 * consumer reads the new version.
 *
 * An unknown format, or a version older than any this build knows, is
 * rejected with MessageError reason `unknown_version`; bytes that do not
 * decode, with reason `invalid_encoding`.
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
import { compileReader, type CompiledReader } from './avroReader.ts';
import { compileWriter, InvalidValue, type CompiledWriter } from './avroWriter.ts';

/** The framing byte this build writes and reads. */
export const WIRE_FORMAT = 1;
/** Version of the JSON envelope used on topics without a schema of their own. */
export const JSON_ENVELOPE_VERSION = 1;

/** A topic's schemas: every version written so far, the current one read (and, unless pinned, written). */
export interface TopicSchemas {
  /** What the schema is called in error messages. */
  name: string;
  /** This build's version (the message model's): values come in and go out with it. */
  version: number;
  /** Each version's writer schema; `version`'s is also the reader schema. */
  schemas: Record<number, avro.Schema | avro.Type>;
}

/** Encodes and decodes bus message values (see the module comment). */
export interface MessageCodec {
  /** Encodes `value` (of this build's version) for `topic`; throws MessageError when it does not fit the topic's schema. */
  encode(topic: string, value: unknown): Buffer;
  /** Decodes a value read from `topic` into this build's version; throws MessageError, or NewerVersionError. */
  decode(topic: string, buffer: Buffer | null | undefined): unknown;
}

/**
 * A message written by a newer build than this one: readable once this
 * consumer is upgraded. Not a MessageError, so not poison: the bus retries it
 * and leaves it uncommitted rather than dead-letter it.
 */
export class NewerVersionError extends Error {
  readonly code = 'newer_version';
  constructor(message: string) {
    super(message);
    this.name = 'NewerVersionError';
  }
}

interface TopicCodec {
  name: string;
  version: number;
  reader: avro.Type;
  writers: Map<number, avro.Type>;
  /** Reader-from-writer resolvers, made on first use. */
  resolvers: Map<number, avro.Resolver>;
  /** The version written (the current one unless pinned to an older one). */
  writeVersion: number;
  /** Its compiled writer (pipeline/avroWriter.ts), or null where avsc writes (a schema the compiler does not handle). */
  write: CompiledWriter | null;
  /** The current version's compiled reader (pipeline/avroReader.ts), or null where avsc reads; older versions are resolved by avsc. */
  read: CompiledReader | null;
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

/** An Avro type as every codec here builds it: records as plain objects (no generated methods), unions of null and one type unwrapped. */
function avroType(schema: avro.Schema | avro.Type): avro.Type {
  return avro.Type.isType(schema) ? (schema as avro.Type) : avro.Type.forSchema(schema, { omitRecordMethods: true, wrapUnions: 'auto', logicalTypes: { json: JsonType } });
}

function loadSchema(file: string): avro.Schema {
  return JSON.parse(readFileSync(new URL(`./avro/${file}`, import.meta.url), 'utf8')) as avro.Schema;
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

/**
 * Every schema version each topic has been written with. When a schema
 * changes: copy the current file to `<name>.v<N>.avsc`, list it here under
 * its version, edit the current file and raise the model's version constant.
 */
export const SCHEMAS: Record<string, TopicSchemas> = {
  [TOPICS.raw]: { name: 'raw snapshot', version: RAW_SNAPSHOT_VERSION, schemas: { [RAW_SNAPSHOT_VERSION]: loadSchema('raw-snapshot.avsc') } },
  [TOPICS.enriched]: {
    name: 'enriched snapshot',
    version: ENRICHED_SNAPSHOT_VERSION,
    // Version 2 added each quote's previousClose (read as null from version 1).
    schemas: { 1: loadSchema('enriched-snapshot.v1.avsc'), [ENRICHED_SNAPSHOT_VERSION]: loadSchema('enriched-snapshot.avsc') },
  },
  [TOPICS.analytics]: {
    name: 'analytics message',
    version: ANALYTICS_MESSAGE_VERSION,
    // Version 2 added processedAt (read as null from version 1).
    schemas: { 1: loadSchema('analytics.v1.avsc'), [ANALYTICS_MESSAGE_VERSION]: loadSchema('analytics.avsc') },
  },
};

/**
 * A codec for these topics (any other topic uses the JSON envelope).
 * `writeVersions` pins a topic's written version to an older one, for a
 * rolling upgrade where producers go first (see the module comment).
 */
export function createMessageCodec(topics: Record<string, TopicSchemas>, writeVersions: Record<string, number> = {}): MessageCodec {
  const codecs = new Map<string, TopicCodec>();
  for (const [topic, { name, version, schemas }] of Object.entries(topics)) {
    const writers = new Map(Object.entries(schemas).map(([v, schema]) => [Number(v), avroType(schema)]));
    const reader = writers.get(version);
    if (!reader) throw new Error(`${name} schemas of ${topic} have no version ${version}`);
    const writeVersion = writeVersions[topic] ?? version;
    if (!writers.has(writeVersion)) throw new Error(`${name} on ${topic} cannot be written as version ${writeVersion}: its schemas are versions ${[...writers.keys()].join(', ')}`);
    codecs.set(topic, { name, version, reader, writers, resolvers: new Map(), writeVersion, write: compileWriter(writers.get(writeVersion)!), read: compileReader(reader) });
  }
  return { encode: (topic, value) => encode(codecs.get(topic), topic, value), decode: (topic, buffer) => decode(codecs.get(topic), topic, buffer) };
}

const defaultCodec = createMessageCodec(SCHEMAS);

/** Whether `topic` has a schema of its own (else the JSON envelope is used). */
export function hasSchema(topic: string): boolean {
  return topic in SCHEMAS;
}

/** Encodes a bus message value for `topic` with this build's schemas; throws MessageError when it does not fit the topic's schema. */
export function encodeMessage(topic: string, value: unknown): Buffer {
  return defaultCodec.encode(topic, value);
}

/**
 * Decodes a message value read from `topic` into this build's version.
 * Throws MessageError with reason `unknown_version` (a format, or a version
 * older than any this build knows) or `invalid_encoding` (bytes that are not
 * a message of this topic), or NewerVersionError (written by a newer build).
 */
export function decodeMessage(topic: string, buffer: Buffer | null | undefined): unknown {
  return defaultCodec.decode(topic, buffer);
}

function encode(codec: TopicCodec | undefined, topic: string, value: unknown): Buffer {
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
  // Pinned to an older version: the same value, under that version's schema (fields it lacks are not written).
  const type = codec.writers.get(codec.writeVersion)!;
  const written = codec.writeVersion === codec.version ? value : { ...(value as object), version: codec.writeVersion };
  // One walk that checks as it writes; a value it refuses is checked again below by avsc, to say where it does not fit.
  if (codec.write) {
    try {
      return codec.write(written, WIRE_FORMAT);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
    }
  }
  const problems: string[] = [];
  const valid = type.isValid(written, {
    errorHook: (path, got) => problems.push(`${path.join('.') || '(root)'}: got ${describe(got)}`),
  });
  if (!valid) {
    throw new MessageError(`cannot encode ${codec.name} on ${topic}: ${problems.slice(0, 3).join('; ')}`, 'invalid_envelope');
  }
  return frame(type.toBuffer(written));
}

function decode(codec: TopicCodec | undefined, topic: string, buffer: Buffer | null | undefined): unknown {
  if (!buffer || buffer.length === 0) {
    throw new MessageError(`empty message on ${topic}: expected an Avro-encoded value`, 'invalid_encoding');
  }
  const format = buffer[0];
  if (format !== WIRE_FORMAT) {
    throw new MessageError(`message on ${topic} has wire format ${format}; this build reads format ${WIRE_FORMAT}`, 'unknown_version');
  }
  const name = codec?.name ?? 'JSON envelope';
  const current = codec?.version ?? JSON_ENVELOPE_VERSION;
  const version = readVersion(buffer, topic);
  const writer = codec ? codec.writers.get(version) : version === JSON_ENVELOPE_VERSION ? jsonEnvelope : undefined;
  if (!writer) {
    const known = codec ? [...codec.writers.keys()].join(', ') : String(JSON_ENVELOPE_VERSION);
    if (version > current) throw new NewerVersionError(`${name} on ${topic} has version ${version}, newer than this build's ${current}: readable once this consumer is upgraded`);
    throw new MessageError(`${name} on ${topic} has version ${version}; this build reads version ${known}`, 'unknown_version');
  }
  let decoded: unknown;
  try {
    decoded = codec ? readWith(codec, version, buffer) : jsonEnvelope.fromBuffer(buffer.subarray(1));
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

/** The record after the framing byte, written with `version`'s schema, read with this build's: resolved when they differ, and then of this build's version. */
function readWith(codec: TopicCodec, version: number, framed: Buffer): unknown {
  if (version === codec.version) return codec.read ? codec.read(framed, 1) : codec.reader.fromBuffer(framed.subarray(1));
  const avroBytes = framed.subarray(1);
  let resolver = codec.resolvers.get(version);
  if (!resolver) codec.resolvers.set(version, (resolver = codec.reader.createResolver(codec.writers.get(version)!)));
  const value = codec.reader.fromBuffer(avroBytes, resolver) as { version: number };
  value.version = codec.version;
  return value;
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

/**
 * A compiled Avro reader, the counterpart of pipeline/avroWriter.ts: for a
 * schema made only of records, arrays, maps, unions of null and one other
 * type, and the primitive types, one generated function per record type
 * reads a value with the writer's schema equal to the reader's (a message of
 * this build's own version; older versions still go through avsc's schema
 * resolution). The values are avsc's (`Type#fromBuffer`) field for field,
 * records as plain objects in schema order, and so are its refusals: bytes
 * that end early ("truncated buffer"), bytes left over ("trailing data"), a
 * long beyond ±(2^53 − 2) ("potential precision loss"), a union index out of
 * range.
 *
 * Why: avsc reads each field through its type's `_read` and each double
 * through its Tap; a 22 KB raw snapshot (81 strikes, some 1,600 doubles)
 * took 80–90 µs that way on the loaded two-core bench machine, about a fifth
 * of the Kafka bus's CPU a message (README, Kafka bus).
 *
 * A schema with anything else (logical types, enums, fixed, bytes, wider
 * unions) gets no compiled reader: `compileReader` returns null and the
 * caller keeps avsc.
 */
import type avro from 'avsc';

/** Reads the value whose bytes are `buffer` from `offset` to its end. */
export type CompiledReader = (buffer: Buffer, offset: number) => unknown;

/** What the generator reads of an avsc type (its public fields are untyped in avsc's typings). */
interface AnyType {
  typeName: string;
  fields?: { name: string; type: AnyType }[];
  itemsType?: AnyType;
  valuesType?: AnyType;
  types?: AnyType[];
}

/** The reader of `type`, or null when its schema uses anything this generator does not compile (see the module comment). */
export function compileReader(type: avro.Type): CompiledReader | null {
  const records = new Map<AnyType, string>();
  const functions: string[] = [];

  /** An expression reading a value of type `t` at `pos`, or null when `t` is not compiled. */
  const read = (t: AnyType): string | null => {
    switch (t.typeName) {
      case 'null':
        return 'null';
      case 'boolean':
        return 'readBoolean()';
      case 'int':
        return 'readLong()';
      case 'long':
        return 'readSafeLong()';
      case 'double':
        return 'readDouble()';
      case 'float':
        return 'readFloat()';
      case 'string':
        return 'readString()';
      case 'record':
        return record(t);
      case 'array': {
        const item = read(t.itemsType!);
        if (item === null) return null;
        const name = `array${functions.length}`;
        // avsc's ArrayType#_read: blocks of n items; a negative n is followed by the block's size in bytes.
        functions.push(`function ${name}() {
          let out = [];
          for (let n = readLong(); n !== 0; n = readLong()) {
            if (n < 0) { n = -n; readLong(); }
            if (pos > end) truncated();
            while (n-- > 0) out.push(${item});
          }
          return out;
        }`);
        return `${name}()`;
      }
      case 'map': {
        const value = read(t.valuesType!);
        if (value === null) return null;
        const name = `map${functions.length}`;
        functions.push(`function ${name}() {
          const out = {};
          for (let n = readLong(); n !== 0; n = readLong()) {
            if (n < 0) { n = -n; readLong(); }
            if (pos > end) truncated();
            while (n-- > 0) { const k = readString(); out[k] = ${value}; }
          }
          return out;
        }`);
        return `${name}()`;
      }
      case 'union:unwrapped': {
        const branches = t.types!;
        const nullAt = branches.findIndex((b) => b.typeName === 'null');
        if (branches.length !== 2 || nullAt < 0) return null;
        const other = read(branches[1 - nullAt]);
        if (other === null) return null;
        const name = `union${functions.length}`;
        functions.push(`function ${name}() {
          const index = readLong();
          if (index === ${nullAt}) return null;
          if (index === ${1 - nullAt}) return ${other};
          throw new Error('invalid union index: ' + index);
        }`);
        return `${name}()`;
      }
      default:
        return null;
    }
  };

  const record = (t: AnyType): string | null => {
    const known = records.get(t);
    if (known !== undefined) return `${known}()`;
    const name = `record${records.size}`;
    records.set(t, name);
    const fields: string[] = [];
    for (const field of t.fields!) {
      const value = read(field.type);
      if (value === null) return null;
      // Fields are read in schema order: an object literal's entries are evaluated in order.
      fields.push(`${JSON.stringify(field.name)}: ${value}`);
    }
    functions.push(`function ${name}() { return { ${fields.join(', ')} }; }`);
    return `${name}()`;
  };

  const root = read(type as unknown as AnyType);
  if (root === null) return null;
  const source = `
    let buf = null;
    let view = null;
    let pos = 0;
    let end = 0;
    function truncated() { throw new Error('truncated buffer'); }
    // avsc's Tap#readLong: zig-zag varint, integer arithmetic for the first 28 bits.
    function readLong() {
      let n = 0, k = 0, b, h;
      do { b = buf[pos++]; h = b & 0x80; n |= (b & 0x7f) << k; k += 7; } while (h && k < 28);
      if (h) {
        let f = n, fk = 268435456;
        do { b = buf[pos++]; f += (b & 0x7f) * fk; fk *= 128; } while (b & 0x80);
        if (pos > end) truncated();
        return (f % 2 ? -(f + 1) : f) / 2;
      }
      if (pos > end) truncated();
      return (n >> 1) ^ -(n & 1);
    }
    function readSafeLong() {
      const n = readLong();
      if (n < -9007199254740990 || n > 9007199254740990) throw new Error('potential precision loss');
      return n;
    }
    function readBoolean() { if (pos >= end) truncated(); return !!buf[pos++]; }
    function readDouble() { if (pos + 8 > end) truncated(); const v = view.getFloat64(pos, true); pos += 8; return v; }
    function readFloat() { if (pos + 4 > end) truncated(); const v = view.getFloat32(pos, true); pos += 4; return v; }
    function readString() {
      const n = readLong();
      if (n < 0 || pos + n > end) truncated();
      const start = pos;
      pos += n;
      if (n < 64) {
        // ASCII (the usual case) character by character; anything else through utf8Slice below.
        let s = '';
        for (let i = start; i < pos; i++) { const c = buf[i]; if (c >= 0x80) return buf.utf8Slice(start, pos); s += String.fromCharCode(c); }
        return s;
      }
      return buf.utf8Slice(start, pos);
    }
    ${functions.join('\n')}
    return function read(buffer, offset) {
      buf = buffer;
      view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
      pos = offset;
      end = buffer.length;
      try {
        const value = ${root};
        if (pos < end) throw new Error('trailing data');
        return value;
      } finally {
        buf = view = null;
      }
    };
  `;
  // Generated from the schema alone, as avsc makes its own record readers.
  return new Function(source)() as CompiledReader;
}

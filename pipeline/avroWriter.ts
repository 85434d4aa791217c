/**
 * A compiled Avro writer: for a schema made only of records, arrays, maps,
 * unions of null and one other type, and the primitive types, one generated
 * function per record type writes a value into a reused buffer and checks it
 * while it writes, with exactly avsc's rules (`Type#isValid`: a double is any
 * number, an int a 32-bit integer, a long an integer within ±(2^53 − 2), a record any
 * non-null object whose fields check, a field with a default may be absent).
 * The bytes are avsc's (`Type#toBuffer`) to the byte.
 *
 * Why: avsc's `toBuffer` writes a value larger than its 1 KiB scratch buffer
 * twice (once to learn the size), and a safe encode also needs `isValid`, a
 * third walk; a 22 KB raw snapshot took 240–560 µs that way on the loaded
 * two-core bench machine, 40–90 µs here (`BENCH_ONLY=kafka`, encode µs). One walk that checks as it writes keeps
 * the guarantee that a value not fitting the schema is refused, never
 * written as garbage.
 *
 * A value that does not fit makes the writer throw `InvalidValue` (no
 * detail: the caller re-checks it with avsc's `isValid` to say where). A
 * schema with anything else (logical types, enums, fixed, bytes, wider
 * unions) gets no compiled writer: `compileWriter` returns null and the
 * caller keeps avsc.
 */
import type avro from 'avsc';

/** Thrown by a compiled writer for a value that does not fit its schema. */
export class InvalidValue extends Error {
  constructor() {
    super('value does not fit the schema');
    this.name = 'InvalidValue';
  }
}

/** Writes `value` after the byte `prefix` and returns a fresh buffer of exactly those bytes. */
export type CompiledWriter = (value: unknown, prefix: number) => Buffer;

/** What the generator reads of an avsc type (its public fields are untyped in avsc's typings). */
interface AnyType {
  typeName: string;
  fields?: { name: string; type: AnyType; defaultValue(): unknown }[];
  itemsType?: AnyType;
  valuesType?: AnyType;
  types?: AnyType[];
  toBuffer(value: unknown): Buffer;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'double', 'float', 'string']);

/** The writer of `type`, or null when its schema uses anything this generator does not compile (see the module comment). */
export function compileWriter(type: avro.Type): CompiledWriter | null {
  const records = new Map<AnyType, string>();
  const functions: string[] = [];
  const defaults: Buffer[] = [];

  /** Statements writing the expression `v` (a local name) of type `t`, checking it first. */
  const write = (t: AnyType, v: string): string | null => {
    switch (t.typeName) {
      case 'null':
        return `if (${v} !== null) throw INVALID;`;
      case 'boolean':
        return `if (typeof ${v} !== 'boolean') throw INVALID; room(1); buf[pos++] = ${v} ? 1 : 0;`;
      case 'int':
        return `if (${v} !== (${v} | 0)) throw INVALID; writeLong(${v});`;
      case 'long':
        // avsc's isSafeLong: within ±(2^53 − 2).
        return `if (typeof ${v} !== 'number' || ${v} % 1 !== 0 || ${v} < -9007199254740990 || ${v} > 9007199254740990) throw INVALID; writeLong(${v});`;
      case 'double':
        return `if (typeof ${v} !== 'number') throw INVALID; room(8); view.setFloat64(pos, ${v}, true); pos += 8;`;
      case 'float':
        return `if (typeof ${v} !== 'number') throw INVALID; room(4); view.setFloat32(pos, ${v}, true); pos += 4;`;
      case 'string':
        return `if (typeof ${v} !== 'string') throw INVALID; writeString(${v});`;
      case 'record': {
        const name = record(t);
        return name === null ? null : `${name}(${v});`;
      }
      case 'array': {
        const item = write(t.itemsType!, 'x');
        if (item === null) return null;
        return `if (!Array.isArray(${v})) throw INVALID; { const n = ${v}.length; if (n) { writeLong(n); for (let i = 0; i < n; i++) { const x = ${v}[i]; ${item} } } room(1); buf[pos++] = 0; }`;
      }
      case 'map': {
        const value = write(t.valuesType!, 'x');
        if (value === null) return null;
        return (
          `if (!${v} || typeof ${v} !== 'object' || Array.isArray(${v})) throw INVALID; ` +
          `{ const keys = Object.keys(${v}); const n = keys.length; if (n) { writeLong(n); for (let i = 0; i < n; i++) { const k = keys[i]; writeString(k); const x = ${v}[k]; ${value} } } room(1); buf[pos++] = 0; }`
        );
      }
      case 'union:unwrapped': {
        const branches = t.types!;
        const nullAt = branches.findIndex((b) => b.typeName === 'null');
        if (branches.length !== 2 || nullAt < 0) return null;
        const other = branches[1 - nullAt];
        if (!PRIMITIVES.has(other.typeName) && other.typeName !== 'record' && other.typeName !== 'array' && other.typeName !== 'map') return null;
        const body = write(other, v);
        if (body === null) return null;
        // avsc picks an unwrapped union's branch by the value's kind: an array or a buffer is not a record or a map.
        const kind = other.typeName === 'record' || other.typeName === 'map' ? `if (Array.isArray(${v}) || Buffer.isBuffer(${v})) throw INVALID; ` : '';
        // Branch indexes 0 and 1 are zig-zag varints 0 and 2.
        return `if (${v} === null) { room(1); buf[pos++] = ${nullAt * 2}; } else { ${kind}room(1); buf[pos++] = ${(1 - nullAt) * 2}; ${body} }`;
      }
      default:
        return null;
    }
  };

  const record = (t: AnyType): string | null => {
    const known = records.get(t);
    if (known !== undefined) return known;
    const name = `record${records.size}`;
    records.set(t, name);
    const lines = [`function ${name}(v) {`, `  if (v === null || typeof v !== 'object') throw INVALID;`];
    for (const [i, field] of t.fields!.entries()) {
      const local = `f${i}`;
      const body = write(field.type, local);
      if (body === null) return null;
      lines.push(`  const ${local} = v[${JSON.stringify(field.name)}];`);
      const fallback = field.defaultValue();
      if (fallback === undefined) {
        lines.push(`  ${body}`);
      } else {
        // Absent (undefined): the default's bytes, as avsc writes them.
        defaults.push(field.type.toBuffer(fallback));
        lines.push(`  if (${local} === undefined) writeBytes(defaults[${defaults.length - 1}]); else { ${body} }`);
      }
    }
    lines.push('}');
    functions.push(lines.join('\n'));
    return name;
  };

  const root = write(type as unknown as AnyType, 'value');
  if (root === null) return null;
  const source = `
    let buf = Buffer.allocUnsafeSlow(64 * 1024);
    let view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    let pos = 0;
    function grow(n) {
      const next = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, pos + n));
      buf.copy(next, 0, 0, pos);
      buf = next;
      view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    function room(n) { if (pos + n > buf.length) grow(n); }
    // avsc's Tap#writeLong: zig-zag varint, integer arithmetic while it cannot overflow.
    function writeLong(n) {
      room(10);
      if (n >= -1073741824 && n < 1073741824) {
        let m = n >= 0 ? n << 1 : (~n << 1) | 1;
        do { buf[pos] = m & 0x7f; m >>= 7; } while (m && (buf[pos++] |= 0x80));
      } else {
        let f = n >= 0 ? n * 2 : -n * 2 - 1;
        do { buf[pos] = f & 0x7f; f /= 128; } while (f >= 1 && (buf[pos++] |= 0x80));
      }
      pos++;
    }
    function writeString(s) {
      const n = s.length;
      if (n < 64) {
        // ASCII (the usual case) byte for byte; anything else through utf8Write below.
        const start = pos;
        room(n + 1);
        buf[pos++] = n << 1;
        let i = 0;
        for (; i < n; i++) { const c = s.charCodeAt(i); if (c >= 0x80) break; buf[pos++] = c; }
        if (i === n) return;
        pos = start;
      }
      const bytes = Buffer.byteLength(s);
      writeLong(bytes);
      room(bytes);
      buf.utf8Write(s, pos, bytes);
      pos += bytes;
    }
    function writeBytes(b) { room(b.length); b.copy(buf, pos); pos += b.length; }
    ${functions.join('\n')}
    return function write(value, prefix) {
      pos = 0;
      buf[pos++] = prefix;
      ${root}
      return Buffer.from(buf.subarray(0, pos));
    };
  `;
  // Generated from the schema alone, as avsc makes its own record writers.
  return new Function('Buffer', 'INVALID', 'defaults', source)(Buffer, new InvalidValue(), defaults) as CompiledWriter;
}

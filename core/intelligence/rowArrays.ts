/**
 * Row-length typed arrays reused from one snapshot of a chain to the next.
 * A 200-strike snapshot needs about a hundred working columns; allocating
 * them afresh each time made garbage collection the largest cost of the
 * reducer. Arrays are handed out in call order and all become free again at
 * `reset`, so a column must not be kept past the next snapshot of its chain
 * (outputs copy numbers out; the query views read the last snapshot's
 * columns, which stay valid until the next one). Contents are whatever the
 * last user left: callers write every entry.
 */
export class RowArrays {
  private floats: Float64Array[] = [];
  private int8s: Int8Array[] = [];
  private uint8s: Uint8Array[] = [];
  private int32s: Int32Array[] = [];
  private usedFloats = 0;
  private usedInt8s = 0;
  private usedUint8s = 0;
  private usedInt32s = 0;
  private rows = -1;

  /** Starts a snapshot of `rows` rows: every array handed out before is free again. */
  reset(rows: number): void {
    if (rows !== this.rows) {
      this.floats = [];
      this.int8s = [];
      this.uint8s = [];
      this.int32s = [];
      this.rows = rows;
    }
    this.usedFloats = 0;
    this.usedInt8s = 0;
    this.usedUint8s = 0;
    this.usedInt32s = 0;
  }

  float(): Float64Array {
    if (this.usedFloats === this.floats.length) this.floats.push(new Float64Array(this.rows));
    return this.floats[this.usedFloats++];
  }

  int8(): Int8Array {
    if (this.usedInt8s === this.int8s.length) this.int8s.push(new Int8Array(this.rows));
    return this.int8s[this.usedInt8s++];
  }

  uint8(): Uint8Array {
    if (this.usedUint8s === this.uint8s.length) this.uint8s.push(new Uint8Array(this.rows));
    return this.uint8s[this.usedUint8s++];
  }

  int32(): Int32Array {
    if (this.usedInt32s === this.int32s.length) this.int32s.push(new Int32Array(this.rows));
    return this.int32s[this.usedInt32s++];
  }
}

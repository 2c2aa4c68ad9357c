// A minimal protobuf wire-format writer: varints, fixed 32/64-bit numbers, length-delimited fields.
// Enough to serialize ONNX messages without a protobuf dependency; reading is never needed.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const TWO_POW_32 = 2 ** 32;

export class ProtoWriter {
  private buffer = new Uint8Array(64);
  private length = 0;

  /** The bytes written so far, as a new array. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** int32, int64, uint64, enum and bool fields; negative values take ten bytes, as protobuf specifies. */
  varintField(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  stringField(field: number, text: string): void {
    this.bytesField(field, new TextEncoder().encode(text));
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** A nested message: `writeBody` fills a fresh writer whose bytes become this field. */
  messageField(field: number, writeBody: (writer: ProtoWriter) => void): void {
    const body = new ProtoWriter();
    writeBody(body);
    this.bytesField(field, body.finish());
  }

  floatField(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.raw(bytes);
  }

  doubleField(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.raw(bytes);
  }

  /** A packed repeated varint field (proto3's default encoding for repeated scalars). */
  packedVarintField(field: number, values: readonly (number | bigint)[]): void {
    const body = new ProtoWriter();
    for (const value of values) body.varint(value);
    this.bytesField(field, body.finish());
  }

  packedFloatField(field: number, values: readonly number[]): void {
    this.bytesField(field, new Uint8Array(Float32Array.from(values).buffer));
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1) throw new Error(`protobuf: field number must be a positive integer, got ${field}`);
    this.varint(field * 8 + wireType);
  }

  private varint(value: number | bigint): void {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      this.unsignedNumberVarint(value);
      return;
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new Error(`protobuf: varint must be a safe integer or a bigint, got ${value}`);
    }
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.byte(Number(rest));
  }

  private unsignedNumberVarint(value: number): void {
    let rest = value;
    // Bitwise operators truncate to 32 bits, so above that range the arithmetic stays in doubles.
    while (rest >= TWO_POW_32) {
      this.byte((rest % 128) | 0x80);
      rest = Math.floor(rest / 128);
    }
    while (rest >= 0x80) {
      this.byte((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    this.byte(rest);
  }

  private byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

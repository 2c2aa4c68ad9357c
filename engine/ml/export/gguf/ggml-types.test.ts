import { describe, expect, it } from 'vitest';
import { fromFloat16Bits } from './float16.ts';
import { decodeGgml, encodedBytes, encodeGgml, fitsRows } from './ggml-types.ts';

const ramp = (length: number, scale = 1) => Float32Array.from({ length }, (_, index) => scale * (index - length / 2 + 0.25));

describe('ggml encodings', () => {
  it('stores F32 and F16 little-endian, one value after another', () => {
    const values = Float32Array.from([1, -2.5, 65504]);
    expect([...encodeGgml('F32', values)]).toEqual([...new Uint8Array(values.buffer)]);
    expect([...encodeGgml('F16', values)]).toEqual([0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b]);
    expect([...decodeGgml('F16', encodeGgml('F16', values))]).toEqual([1, -2.5, 65504]);
  });

  it('writes a Q8_0 block as an f16 scale of max|w|/127 and round(w/scale) codes', () => {
    const block = new Float32Array(32);
    block[0] = 1.27;
    block[1] = -0.635; // exactly half the scale away from a code: rounds away from zero
    block[5] = 0.004;
    const bytes = encodeGgml('Q8_0', block);
    expect(bytes.length).toBe(34);
    const view = new DataView(bytes.buffer);
    expect(fromFloat16Bits(view.getUint16(0, true))).toBeCloseTo(0.01, 5);
    expect(view.getInt8(2)).toBe(127);
    expect(view.getInt8(3)).toBe(-64);
    expect(view.getInt8(7)).toBe(0);
  });

  it('writes a Q4_0 block with the signed extreme at code 0 and element j+16 in the high nibble', () => {
    const block = new Float32Array(32);
    block[0] = 0.5;
    block[16] = -0.8; // the extreme: scale = -0.8 / -8 = 0.1, its code is 0
    block[17] = 0.7; // 0.7 / 0.1 + 8.5 = 15.5 → 15
    const bytes = encodeGgml('Q4_0', block);
    expect(bytes.length).toBe(18);
    const view = new DataView(bytes.buffer);
    expect(fromFloat16Bits(view.getUint16(0, true))).toBeCloseTo(0.1, 4);
    expect(view.getUint8(2)).toBe(13 | (0 << 4)); // w[0] = 0.5 → 13, w[16] → 0
    expect(view.getUint8(3)).toBe(8 | (15 << 4)); // w[1] = 0 → 8, w[17] → 15
    const decoded = decodeGgml('Q4_0', bytes);
    expect(decoded[16]).toBeCloseTo(-0.8, 3);
    expect(decoded[0]).toBeCloseTo(0.5, 3);
  });

  it('keeps quantization error within about half a step (Q8_0) and one step (Q4_0), the f16 scale included', () => {
    const values = ramp(256, 0.013);
    for (const [type, steps] of [['Q8_0', 127], ['Q4_0', 8]] as const) {
      const decoded = decodeGgml(type, encodeGgml(type, values));
      for (let block = 0; block < values.length / 32; block++) {
        const slice = values.subarray(block * 32, block * 32 + 32);
        const step = Math.max(...slice.map(Math.abs)) / steps;
        slice.forEach((value, index) => expect(Math.abs(decoded[block * 32 + index]! - value)).toBeLessThanOrEqual(step * (type === 'Q8_0' ? 0.57 : 1.05)));
      }
    }
  });

  it('stores an all-zero block with a zero scale (Q4_0: -0, as ggml)', () => {
    for (const type of ['Q8_0', 'Q4_0'] as const) expect(Array.from(decodeGgml(type, encodeGgml(type, new Float32Array(32))), (value) => value + 0)).toEqual(new Array(32).fill(0));
  });

  it('needs whole blocks per row for Q8_0 and Q4_0 only', () => {
    expect(fitsRows('Q8_0', 64)).toBe(true);
    expect(fitsRows('Q4_0', 48)).toBe(false);
    expect(fitsRows('F16', 48)).toBe(true);
    expect(encodedBytes('Q4_0', 64)).toBe(36);
    expect(() => encodeGgml('Q8_0', new Float32Array(40))).toThrow(/not whole blocks of 32/);
  });
});

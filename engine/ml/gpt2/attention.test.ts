// The causal mask constant: 0 where a query may see a key (key ≤ query, in each stacked group), the lowest value
// elsewhere; a context whose mask would not fit an ONNX file is refused with what to do, not built.
import { describe, expect, it } from 'vitest';
import { causalMaskData, lowestValue } from './attention.ts';

describe('causalMaskData', () => {
  it('lets each query row of each group see the keys up to its own position', () => {
    const T = 4;
    const data = causalMaskData(2, T, 'float32');
    const lowest = Math.fround(lowestValue('float32'));
    for (let row = 0; row < 2 * T; row++) {
      const expected = Array.from({ length: T }, (_, key) => (key <= row % T ? 0 : lowest));
      expect(Array.from(data.subarray(row * T, (row + 1) * T)), `row ${row}`).toEqual(expected);
    }
    expect(causalMaskData(1, 3, 'float64')).toEqual(Float64Array.from([0, -Number.MAX_VALUE, -Number.MAX_VALUE, 0, 0, -Number.MAX_VALUE, 0, 0, 0]));
  });

  it('refuses a context whose mask would pass 1 GiB, naming the largest that fits', () => {
    expect(() => causalMaskData(1, 20_000, 'float32')).toThrow(/blockSize\) of 20000 needs a 1\.5 GiB attention mask .* lower blockSize to 16384 or less, or train with the torch runner/);
    expect(() => causalMaskData(4, 9_000, 'float32')).toThrow(/lower blockSize to 8192 or less/);
  });
});

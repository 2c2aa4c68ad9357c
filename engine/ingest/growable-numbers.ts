// A list of numbers (byte offsets, character counts) that grows by doubling in one Float64Array, exact up to 2^53:
// 8 bytes per document, where a JS array of numbers costs more and fragments the heap.
export class GrowableNumbers {
  private values = new Float64Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  at(index: number): number {
    if (index < 0 || index >= this.count) throw new RangeError(`index ${index} is outside 0..${this.count - 1}`);
    return this.values[index]!;
  }

  /** The values pushed so far, as a view that a later push may leave stale. */
  view(): Float64Array {
    return this.values.subarray(0, this.count);
  }
}

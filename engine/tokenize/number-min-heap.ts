// A binary min-heap of plain numbers, for callers that pack their ordering (e.g. rank, then position) into one key.
// Kept in a growable Float64Array so pushing and popping never allocate per element.

export class NumberMinHeap {
  private keys = new Float64Array(64);
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(key: number): void {
    if (this.length === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    let index = this.length++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((keys[parent] as number) <= key) break;
      keys[index] = keys[parent] as number;
      index = parent;
    }
    keys[index] = key;
  }

  /** Removes and returns the smallest key; the heap must not be empty. */
  pop(): number {
    const keys = this.keys;
    const top = keys[0] as number;
    const last = keys[--this.length] as number;
    let index = 0;
    for (;;) {
      let child = index * 2 + 1;
      if (child >= this.length) break;
      if (child + 1 < this.length && (keys[child + 1] as number) < (keys[child] as number)) child++;
      if ((keys[child] as number) >= last) break;
      keys[index] = keys[child] as number;
      index = child;
    }
    keys[index] = last;
    return top;
  }
}

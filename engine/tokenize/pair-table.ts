// An open-addressing hash table from a pair of token ids to a number: merge ranks when encoding, pair counts when
// training. Numeric keys in a plain Map are heap numbers past 2^31 and hash slowly; this stays in typed arrays.

const EMPTY = -1;
const INITIAL_CAPACITY = 1024;

export class PairTable {
  private lefts: Int32Array;
  private rights: Int32Array;
  private values: Float64Array;
  private mask: number;
  private count = 0;

  constructor(expectedPairs = 0) {
    let capacity = INITIAL_CAPACITY;
    while (capacity < expectedPairs * 2) capacity *= 2;
    this.lefts = new Int32Array(capacity).fill(EMPTY);
    this.rights = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for (left, right), or `missing` when the pair was never stored. */
  get(left: number, right: number, missing = -1): number {
    const slot = this.findSlot(left, right);
    return this.lefts[slot] === EMPTY ? missing : (this.values[slot] as number);
  }

  set(left: number, right: number, value: number): void {
    this.values[this.claimSlot(left, right)] = value;
  }

  /** Adds `delta` (starting from 0 for a new pair) and returns the new value. */
  add(left: number, right: number, delta: number): number {
    const slot = this.claimSlot(left, right);
    const value = (this.values[slot] as number) + delta;
    this.values[slot] = value;
    return value;
  }

  forEach(visit: (left: number, right: number, value: number) => void): void {
    for (let slot = 0; slot <= this.mask; slot++) {
      if (this.lefts[slot] !== EMPTY) visit(this.lefts[slot] as number, this.rights[slot] as number, this.values[slot] as number);
    }
  }

  private findSlot(left: number, right: number): number {
    let slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) & this.mask;
    for (;;) {
      const storedLeft = this.lefts[slot];
      if (storedLeft === EMPTY || (storedLeft === left && this.rights[slot] === right)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private claimSlot(left: number, right: number): number {
    let slot = this.findSlot(left, right);
    if (this.lefts[slot] !== EMPTY) return slot;
    if ((this.count + 1) * 2 > this.mask + 1) {
      this.grow();
      slot = this.findSlot(left, right);
    }
    this.lefts[slot] = left;
    this.rights[slot] = right;
    this.values[slot] = 0;
    this.count++;
    return slot;
  }

  private grow(): void {
    const { lefts, rights, values } = this;
    const capacity = (this.mask + 1) * 2;
    this.lefts = new Int32Array(capacity).fill(EMPTY);
    this.rights = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let slot = 0; slot < lefts.length; slot++) {
      if (lefts[slot] === EMPTY) continue;
      const target = this.findSlot(lefts[slot] as number, rights[slot] as number);
      this.lefts[target] = lefts[slot] as number;
      this.rights[target] = rights[slot] as number;
      this.values[target] = values[slot] as number;
    }
  }
}

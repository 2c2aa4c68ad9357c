// A set of 128-bit document digests in one typed array (open addressing, linear probing): 32 bytes per document
// at most, where a Set of hex strings costs several times that, so exact dedup of millions of documents fits.
const WORDS = 4;
const INITIAL_SLOTS = 1 << 12;

export class DigestSet {
  private slots = new Int32Array(INITIAL_SLOTS * WORDS);
  private used = new Uint8Array(INITIAL_SLOTS);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the first 16 bytes of `digest`; false when it was already present. */
  add(digest: Uint8Array): boolean {
    if (digest.length < WORDS * 4) throw new Error(`DigestSet needs digests of at least 16 bytes, got ${digest.length}`);
    const a = wordAt(digest, 0);
    const b = wordAt(digest, 4);
    const c = wordAt(digest, 8);
    const d = wordAt(digest, 12);
    const mask = this.used.length - 1;
    let slot = a & mask;
    for (; this.used[slot] === 1; slot = (slot + 1) & mask) {
      const base = slot * WORDS;
      if (this.slots[base] === a && this.slots[base + 1] === b && this.slots[base + 2] === c && this.slots[base + 3] === d) return false;
    }
    if ((this.count + 1) * 2 > this.used.length) {
      this.grow();
      this.insert(a, b, c, d);
    } else {
      this.write(slot, a, b, c, d);
    }
    this.count++;
    return true;
  }

  private insert(a: number, b: number, c: number, d: number): void {
    const mask = this.used.length - 1;
    let slot = a & mask;
    while (this.used[slot] === 1) slot = (slot + 1) & mask;
    this.write(slot, a, b, c, d);
  }

  private write(slot: number, a: number, b: number, c: number, d: number): void {
    const base = slot * WORDS;
    this.used[slot] = 1;
    this.slots[base] = a;
    this.slots[base + 1] = b;
    this.slots[base + 2] = c;
    this.slots[base + 3] = d;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldUsed = this.used;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.used = new Uint8Array(oldUsed.length * 2);
    for (let slot = 0; slot < oldUsed.length; slot++) {
      if (oldUsed[slot] !== 1) continue;
      const base = slot * WORDS;
      this.insert(oldSlots[base]!, oldSlots[base + 1]!, oldSlots[base + 2]!, oldSlots[base + 3]!);
    }
  }
}

/** Big-endian 32-bit word as a signed int, the form Int32Array stores. */
function wordAt(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

// MinHash signatures of documents for near-duplicate detection, by one-permutation hashing: each 5-character
// shingle is hashed once, the hash picks one of 128 bins and each bin keeps its minimum; empty bins borrow from the
// next filled bin (rotation densification), so two signatures agree in a bin with probability ≈ Jaccard similarity.
export const MINHASH_BINS = 128;
const BIN_BITS = 7;
const VALUE_BITS = 32 - BIN_BITS;
const VALUE_MASK = (1 << VALUE_BITS) - 1;
const EMPTY = 0xffffffff;
const SHINGLE_UNITS = 5;
const ROLLING_BASE = 0x01000193;
/** ROLLING_BASE ** SHINGLE_UNITS mod 2^32: removes the code unit leaving the window. */
const LEAVING_FACTOR = (() => {
  let factor = 1;
  for (let step = 0; step < SHINGLE_UNITS; step++) factor = Math.imul(factor, ROLLING_BASE);
  return factor;
})();

/** Streams a document's text in; `signature()` at the end. Reusable through `reset()`. */
export class MinHashSketch {
  private readonly mins = new Uint32Array(MINHASH_BINS).fill(EMPTY);
  private readonly window = new Uint16Array(SHINGLE_UNITS);
  private rolling = 0;
  private unitsSeen = 0;

  reset(): void {
    this.mins.fill(EMPTY);
    this.window.fill(0);
    this.rolling = 0;
    this.unitsSeen = 0;
  }

  add(text: string): void {
    const { mins, window } = this;
    let rolling = this.rolling;
    let seen = this.unitsSeen;
    for (let index = 0; index < text.length; index++) {
      const unit = text.charCodeAt(index);
      const slot = seen % SHINGLE_UNITS;
      rolling = (Math.imul(rolling, ROLLING_BASE) + unit - Math.imul(window[slot]!, LEAVING_FACTOR)) | 0;
      window[slot] = unit;
      seen++;
      if (seen < SHINGLE_UNITS) continue;
      const hash = mix32(rolling);
      const bin = hash >>> VALUE_BITS;
      const value = hash & VALUE_MASK;
      if (value < mins[bin]!) mins[bin] = value;
    }
    this.rolling = rolling;
    this.unitsSeen = seen;
  }

  /** The densified signature: MINHASH_BINS values, equal between documents in a share ≈ their Jaccard similarity. */
  signature(): Uint32Array {
    if (this.unitsSeen > 0 && this.unitsSeen < SHINGLE_UNITS) {
      // A text shorter than one shingle is its own single shingle.
      const hash = mix32(this.rolling ^ Math.imul(this.unitsSeen, 0x27d4eb2d));
      this.mins[hash >>> VALUE_BITS] = hash & VALUE_MASK;
    }
    return densify(this.mins);
  }
}

function densify(mins: Uint32Array): Uint32Array {
  const signature = new Uint32Array(MINHASH_BINS).fill(EMPTY);
  for (let bin = 0; bin < MINHASH_BINS; bin++) {
    for (let distance = 0; distance < MINHASH_BINS; distance++) {
      const donor = mins[(bin + distance) % MINHASH_BINS]!;
      if (donor === EMPTY) continue;
      // The offset keeps a borrowed value from ever equalling a value the bin held itself.
      signature[bin] = (donor + distance * (VALUE_MASK + 1)) >>> 0;
      break;
    }
  }
  return signature;
}

/** Share of bins in which two signatures agree: the MinHash estimate of their Jaccard similarity. */
export function estimatedSimilarity(first: ArrayLike<number>, second: ArrayLike<number>): number {
  let equal = 0;
  for (let bin = 0; bin < MINHASH_BINS; bin++) if (first[bin] === second[bin]) equal++;
  return equal / MINHASH_BINS;
}

/** Murmur3's 32-bit finalizer: spreads every input bit over the whole hash. */
export function mix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

// Finds near duplicates among MinHash signatures with locality-sensitive hashing: documents sharing a band hash
// are candidates, and a candidate counts only if the signatures agree in at least `threshold` of their bins.
// Memory per kept document: its signature in 16-bit form (256 bytes) plus one table slot per band.
import { chooseBanding, type Banding } from './lsh-parameters.ts';
import { estimatedSimilarity, MINHASH_BINS, mix32 } from './minhash.ts';

export class LshIndex {
  readonly banding: Banding;
  private signatures = new Uint16Array(MINHASH_BINS * 1024);
  private documents = 0;
  private readonly bandTable = new BandTable();

  constructor(private readonly threshold: number) {
    this.banding = chooseBanding(threshold, MINHASH_BINS);
  }

  get size(): number {
    return this.documents;
  }

  /** True when an indexed document is at least `threshold` similar; otherwise indexes this one and returns false. */
  addUnlessNearDuplicate(signature: Uint32Array): boolean {
    const compact = new Uint16Array(signature);
    const keys = this.bandKeys(signature);
    for (const key of keys) {
      const candidate = this.bandTable.get(key);
      if (candidate !== undefined && estimatedSimilarity(compact, this.signatureOf(candidate)) >= this.threshold) return true;
    }
    const id = this.store(compact);
    for (const key of keys) this.bandTable.setIfAbsent(key, id);
    return false;
  }

  private bandKeys(signature: Uint32Array): number[] {
    const { bands, rows } = this.banding;
    const keys: number[] = [];
    for (let band = 0; band < bands; band++) {
      let hash = mix32(band + 1);
      for (let row = 0; row < rows; row++) hash = mix32(hash ^ signature[band * rows + row]!);
      keys.push(hash);
    }
    return keys;
  }

  private store(compact: Uint16Array): number {
    if ((this.documents + 1) * MINHASH_BINS > this.signatures.length) {
      const grown = new Uint16Array(this.signatures.length * 2);
      grown.set(this.signatures);
      this.signatures = grown;
    }
    this.signatures.set(compact, this.documents * MINHASH_BINS);
    return this.documents++;
  }

  private signatureOf(id: number): Uint16Array {
    return this.signatures.subarray(id * MINHASH_BINS, (id + 1) * MINHASH_BINS);
  }
}

/** uint32 key -> first document id, open addressing in typed arrays (a Map costs several times more per entry). */
class BandTable {
  private keys = new Uint32Array(1 << 12);
  private values = new Int32Array(1 << 12).fill(-1);
  private count = 0;

  get(key: number): number | undefined {
    const mask = this.values.length - 1;
    for (let slot = key & mask; this.values[slot] !== -1; slot = (slot + 1) & mask) {
      if (this.keys[slot] === key) return this.values[slot];
    }
    return undefined;
  }

  setIfAbsent(key: number, value: number): void {
    if (this.get(key) !== undefined) return;
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    this.put(key, value);
    this.count++;
  }

  private put(key: number, value: number): void {
    const mask = this.values.length - 1;
    let slot = key & mask;
    while (this.values[slot] !== -1) slot = (slot + 1) & mask;
    this.keys[slot] = key;
    this.values[slot] = value;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Uint32Array(oldKeys.length * 2);
    this.values = new Int32Array(oldValues.length * 2).fill(-1);
    for (let slot = 0; slot < oldValues.length; slot++) if (oldValues[slot] !== -1) this.put(oldKeys[slot]!, oldValues[slot]!);
  }
}

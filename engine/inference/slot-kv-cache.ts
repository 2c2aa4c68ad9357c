// The running batch's key/value cache for the step decoder (step-decoder-graph.ts), updated in place by decode
// steps. Per layer, keys are one (capacity, K, P, D) buffer and values another of the same layout. Row r's tokens
// fill its first len(r) slots. The step decoder reads the first B rows as views (no copy) and returns only the new
// tokens' keys and values (one output for every layer), which `append` writes at slot len(r): one run of D floats
// per row, head and layer. Keys used to be stored transposed, (capacity, K, D, P), for a plain q·Kᵀ MatMul; a new
// token then took D scattered writes per row and head, and at 16 rows of the 10.7M model `append` took 1.14 ms of a
// ~10 ms decode step (0.69–0.75 ms now), while the step decoder scores K · qᵀ just as fast. Legend: B rows now, K key/value heads (fewer
// than the query heads with grouped-query attention: the cache is sized by them), P slots per row, D head size.
//
// P grows in chunks when a row needs a slot past the end and halves (or more) when long rows leave, so attention
// runs over a bounded number of empty slots, which cost far less than re-laying the cache. The row capacity doubles
// as rows join (up to maxRows) and halves when few are left, so memory follows the batch, not its limit. A leaving
// row is replaced by the last row (swap-remove, `swapRemove`), so no other row moves. Copies happen only then and
// when rows join; a decode step copies just the new tokens' keys and values.

import type { KvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { HostTensor } from '../ml/tensor/host-tensor.ts';

/** What the buffers are sized by: layers, key/value heads (kvCacheShape of the model) and head size. */
export type CacheGeometry = Pick<KvCacheShape, 'nLayer' | 'nKvHead' | 'headDim'>;

/** The serving caches (decode loop, chunked prefill, speculative draft) grow and shrink by this many slots per row. */
export const SLOT_CHUNK = 32;

export interface SlotCacheLimits {
  /** Rows decoded together at most. */
  maxRows: number;
  /** The model's context (no row ever holds more real tokens), plus any room for a speculative step's padding. */
  maxSlots: number;
  /** P is a multiple of this (or maxSlots). */
  slotChunk: number;
}

/** One row's cache as the exported decoder returned it: per layer, (1, K, L, D) keys and values. */
export interface RowCache {
  keys: Float32Array[];
  values: Float32Array[];
  length: number;
}

/**
 * Rows allocated at first and at least. One: a lone stream's buffers hold its row alone. With 4, every relayout (each
 * SLOT_CHUNK tokens) allocated and zeroed four rows' buffers, which cost a 200-token int4 stream of the 10.7M model
 * about 0.1 ms per token (10% of its step), most of it allocation and the collections it set off.
 */
const MIN_ROW_CAPACITY = 1;

export class SlotKvCache {
  readonly #geometry: CacheGeometry;
  readonly #limits: SlotCacheLimits;
  #keys: Float32Array[];
  #values: Float32Array[];
  #lengths: number[] = [];
  #slots: number;
  #capacity: number;

  constructor(geometry: CacheGeometry, limits: SlotCacheLimits) {
    if (limits.maxRows < 1 || limits.maxSlots < 1 || limits.slotChunk < 1) throw new Error(`slot kv cache: limits must be positive, got ${JSON.stringify(limits)}`);
    this.#geometry = geometry;
    this.#limits = limits;
    this.#slots = Math.min(limits.slotChunk, limits.maxSlots);
    this.#capacity = Math.min(MIN_ROW_CAPACITY, limits.maxRows);
    this.#keys = this.#allocate();
    this.#values = this.#allocate();
  }

  /** Rows the buffers hold now (they grow up to maxRows). */
  get rowCapacity(): number {
    return this.#capacity;
  }

  get rowCount(): number {
    return this.#lengths.length;
  }

  /** P: slots per row. */
  get slotCount(): number {
    return this.#slots;
  }

  /** Tokens held by each row, in row order. */
  get rowLengths(): readonly number[] {
    return this.#lengths;
  }

  /** Appends a row after the existing ones; slots past its length are zeroed. */
  addRow(row: RowCache): void {
    if (this.rowCount >= this.#limits.maxRows) throw new Error(`slot kv cache: already holds ${this.rowCount} rows, the most it takes`);
    if (row.length > this.#limits.maxSlots) throw new Error(`slot kv cache: a row of ${row.length} tokens is longer than the model's context of ${this.#limits.maxSlots}`);
    this.#resize(this.rowCount + 1, this.#roomForNextToken(Math.max(row.length, ...this.#lengths)));
    const { nKvHead, headDim } = this.#geometry;
    const rowIndex = this.#lengths.length;
    const length = row.length;
    const rowSize = this.#rowSize();
    // The row's block is zeroed first (one fill), so slots a previous row used never hold its values.
    const place = (targets: Float32Array[], sources: Float32Array[]) =>
      targets.forEach((target, layer) => {
        const source = sources[layer]!;
        target.fill(0, rowIndex * rowSize, (rowIndex + 1) * rowSize);
        for (let head = 0; head < nKvHead; head++) target.set(source.subarray(head * length * headDim, (head + 1) * length * headDim), this.#offset(rowIndex, head, 0));
      });
    place(this.#keys, row.keys);
    place(this.#values, row.values);
    this.#lengths.push(row.length);
  }

  /** Row `row`'s filled slots as `addRow` takes them: (1, K, len, D) keys and values per layer, copied out. */
  rowCache(row: number): RowCache {
    const length = this.#lengths[row];
    if (length === undefined) throw new Error(`slot kv cache: no row ${row} (it holds ${this.rowCount})`);
    const { nKvHead, headDim } = this.#geometry;
    const copyOut = (source: Float32Array) => {
      const out = new Float32Array(nKvHead * length * headDim);
      for (let head = 0; head < nKvHead; head++) {
        const start = this.#offset(row, head, 0);
        out.set(source.subarray(start, start + length * headDim), head * length * headDim);
      }
      return out;
    };
    const keys = this.#keys.map(copyOut);
    const values = this.#values.map(copyOut);
    return { keys, values, length };
  }

  /** The cache inputs of one step: the first B rows of every layer, and the (B, P) mask of filled slots. */
  stepFeeds(): { pastKeys: HostTensor[]; pastValues: HostTensor[]; pastMask: HostTensor } {
    const rows = this.rowCount;
    const { nKvHead, headDim } = this.#geometry;
    const size = rows * this.#rowSize();
    const shape = [rows, nKvHead, this.#slots, headDim];
    const view = (data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data: data.subarray(0, size) });
    const mask = new BigInt64Array(rows * this.#slots);
    this.#lengths.forEach((length, row) => mask.fill(1n, row * this.#slots, row * this.#slots + length));
    return {
      pastKeys: this.#keys.map(view),
      pastValues: this.#values.map(view),
      pastMask: { dtype: 'int64', shape: [rows, this.#slots], data: mask },
    };
  }

  /**
   * Writes each row's `count` new tokens into slots len(row) .. len(row)+count-1, then counts them. `newKeysValues` is
   * the step decoder's (B, 2·L·K, count, D) output: layer l's keys at heads 2l·K .. 2l·K + K − 1, its values the next K.
   */
  append(newKeysValues: Float32Array, count = 1): void {
    const lengths = this.#lengths;
    let longest = 0;
    for (const length of lengths) longest = Math.max(longest, length);
    this.#resize(this.rowCount, longest + count);
    const { nLayer, nKvHead, headDim } = this.#geometry;
    const rows = lengths.length;
    const run = count * headDim;
    if (newKeysValues.length !== rows * 2 * nLayer * nKvHead * run) {
      throw new Error(`slot kv cache: ${rows} rows of ${count} new tokens need ${rows * 2 * nLayer * nKvHead * run} key and value floats, got ${newKeysValues.length}`);
    }
    // The source is row-major over (row, layer, keys then values, head); each (row, head) run lands at slot len(row).
    // An indexed copy, not subarray + set: a view object per run made this twice as slow at 16 rows of nano (512
    // runs of 32 floats: ~110 against ~56 µs a step).
    const slotStride = this.#slots * headDim;
    let from = 0;
    for (let row = 0; row < rows; row++) {
      const rowStart = (row * nKvHead * this.#slots + lengths[row]!) * headDim;
      for (let layer = 0; layer < nLayer; layer++) {
        for (const target of [this.#keys[layer]!, this.#values[layer]!]) {
          for (let head = 0, to = rowStart; head < nKvHead; head++, to += slotStride, from += run) {
            for (let index = 0; index < run; index++) target[to + index] = newKeysValues[from + index]!;
          }
        }
      }
    }
    for (let row = 0; row < rows; row++) lengths[row]! += count;
  }

  /**
   * Forgets row `row`'s tokens past the first `length` (a speculative step's rejected proposals): the slots stay
   * as they are, masked, and the next append overwrites them.
   */
  truncateRow(row: number, length: number): void {
    const current = this.#lengths[row];
    if (current === undefined) throw new Error(`slot kv cache: no row ${row} (it holds ${this.rowCount})`);
    if (!Number.isInteger(length) || length < 0 || length > current) throw new Error(`slot kv cache: cannot truncate row ${row} of ${current} tokens to ${length}`);
    this.#lengths[row] = length;
  }

  /** Drops the rows at `indices`, moving later rows into the gaps exactly as `swapRemove` reorders a list. */
  removeRows(indices: ReadonlySet<number>): void {
    if (indices.size === 0) return;
    const rowSize = this.#rowSize();
    const rowIndices = this.#lengths.map((_, index) => index);
    const kept = swapRemove(rowIndices, indices);
    kept.forEach((from, to) => {
      if (from === to) return;
      for (const layer of [...this.#keys, ...this.#values]) layer.copyWithin(to * rowSize, from * rowSize, (from + 1) * rowSize);
    });
    this.#lengths = kept.map((index) => this.#lengths[index]!);
    this.#resize(this.rowCount, this.rowCount === 0 ? 0 : this.#roomForNextToken(Math.max(...this.#lengths)));
  }

  /** Slots for `longest` tokens and the one the next step appends, within the context. */
  #roomForNextToken(longest: number): number {
    return Math.min(longest + 1, this.#limits.maxSlots);
  }

  /** Re-lays the rows into new buffers when `rows` rows of `needed` slots call for another size (see below). */
  #resize(rows: number, needed: number): void {
    const slots = this.#slotsFor(needed);
    const capacity = this.#capacityFor(rows);
    if (slots === this.#slots && capacity === this.#capacity) return;
    const { nKvHead, headDim } = this.#geometry;
    // Each head's filled slots move as one run.
    const relayout = (old: Float32Array): Float32Array => {
      const next = new Float32Array(capacity * nKvHead * slots * headDim);
      this.#lengths.forEach((length, row) => {
        for (let head = 0; head < nKvHead; head++) {
          const from = this.#offset(row, head, 0);
          next.set(old.subarray(from, from + length * headDim), (row * nKvHead + head) * slots * headDim);
        }
      });
      return next;
    };
    this.#keys = this.#keys.map(relayout);
    this.#values = this.#values.map(relayout);
    this.#slots = slots;
    this.#capacity = capacity;
  }

  /**
   * The smallest chunk multiple that holds `needed` slots (at least one chunk) when P is too small; P itself while
   * that is less than twice as many: shrinking only by half or more keeps rows that come and go from re-laying often.
   */
  #slotsFor(needed: number): number {
    const { maxSlots, slotChunk } = this.#limits;
    if (needed > maxSlots) throw new Error(`slot kv cache: a row needs ${needed} slots, more than the model's context of ${maxSlots}`);
    const slots = Math.min(maxSlots, Math.max(slotChunk, Math.ceil(needed / slotChunk) * slotChunk));
    return slots <= this.#slots && slots * 2 > this.#slots ? this.#slots : slots;
  }

  /** Doubles (up to maxRows) when `rows` do not fit; halves when they fill a quarter or less. */
  #capacityFor(rows: number): number {
    const { maxRows } = this.#limits;
    if (rows > this.#capacity) return Math.min(maxRows, Math.max(rows, this.#capacity * 2));
    if (rows * 4 <= this.#capacity && this.#capacity > MIN_ROW_CAPACITY) return Math.max(MIN_ROW_CAPACITY, Math.ceil(this.#capacity / 2));
    return this.#capacity;
  }

  #allocate(): Float32Array[] {
    const { nLayer, nKvHead, headDim } = this.#geometry;
    return Array.from({ length: nLayer }, () => new Float32Array(this.#capacity * nKvHead * this.#slots * headDim));
  }

  #rowSize(): number {
    return this.#geometry.nKvHead * this.#slots * this.#geometry.headDim;
  }

  /** Where (row, head, slot) starts in a keys or values buffer. */
  #offset(row: number, head: number, slot: number): number {
    return ((row * this.#geometry.nKvHead + head) * this.#slots + slot) * this.#geometry.headDim;
  }
}

/**
 * `items` without the entries at `indices`, each gap filled by the current last entry: removing {0, 2} from
 * [a, b, c, d] gives [d, b]. The decode loop keeps its rows in this order, as the cache keeps its slots.
 */
export function swapRemove<T>(items: readonly T[], indices: ReadonlySet<number>): T[] {
  const result = [...items];
  for (const index of [...indices].sort((a, b) => b - a)) {
    if (index < 0 || index >= result.length) continue;
    const last = result.pop() as T;
    if (index < result.length) result[index] = last;
  }
  return result;
}

// The key/value cache of every sequence in the running batch, kept as one (B, H, P, D) tensor per layer and input so
// one decoder call advances all rows. Rows are left-padded to the longest: row b's tokens fill the last len(b) slots.
// Legend: B rows, H heads, P cached positions (the longest row), D head size, L one row's length.
//
// Why left padding: every row's next token then lands in the same new column P, so the decoder's causal mask (which
// counts columns) is right for all rows at once, `attention_mask` zeroes the padding, and each row passes its own
// `position_ids` (its real length), so positions never count padding. Padding holds zeros, which the mask turns into
// exactly-zero attention weights.

import type { HostTensor } from '../ml/tensor/host-tensor.ts';

export interface CacheGeometry {
  nLayer: number;
  nHead: number;
  headSize: number;
}

/** One row's cache as the decoder returned it: per layer, (1, H, L, D) keys and values. */
export interface RowCache {
  keys: Float32Array[];
  values: Float32Array[];
  length: number;
}

export class BatchedKvCache {
  #keys: Float32Array[];
  #values: Float32Array[];
  #lengths: number[] = [];
  #pastLength = 0;

  constructor(private readonly geometry: CacheGeometry) {
    this.#keys = Array.from({ length: geometry.nLayer }, () => new Float32Array(0));
    this.#values = Array.from({ length: geometry.nLayer }, () => new Float32Array(0));
  }

  get rowCount(): number {
    return this.#lengths.length;
  }

  /** P: cached positions of the longest row. */
  get pastLength(): number {
    return this.#pastLength;
  }

  /** Real (unpadded) length of each row, in row order. */
  get rowLengths(): readonly number[] {
    return this.#lengths;
  }

  /** Appends a row after the existing ones, re-padding the batch when the row is longer than P. */
  addRow(row: RowCache): void {
    const newPast = Math.max(this.#pastLength, row.length);
    const sources = [...this.#lengths.map((_, index) => ({ from: 'batch' as const, index })), { from: 'row' as const, index: 0 }];
    this.#relayout(newPast, sources, row);
    this.#lengths.push(row.length);
  }

  /** Drops the rows at `indices` and trims leading columns that only padding still uses. */
  removeRows(indices: ReadonlySet<number>): void {
    if (indices.size === 0) return;
    const kept = this.#lengths.map((_, index) => index).filter((index) => !indices.has(index));
    const lengths = kept.map((index) => this.#lengths[index]!);
    const newPast = lengths.reduce((longest, length) => Math.max(longest, length), 0);
    this.#relayout(newPast, kept.map((index) => ({ from: 'batch' as const, index })), null);
    this.#lengths = lengths;
  }

  /** The past inputs for one decode step: `past_key_values.N.*` tensors and the (B, P + 1) attention mask. */
  stepFeeds(): { pastKeys: HostTensor[]; pastValues: HostTensor[]; attentionMask: HostTensor } {
    const shape = [this.rowCount, this.geometry.nHead, this.#pastLength, this.geometry.headSize];
    const tensor = (data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });
    const width = this.#pastLength + 1;
    const mask = new BigInt64Array(this.rowCount * width);
    this.#lengths.forEach((length, row) => mask.fill(1n, row * width + (this.#pastLength - length), (row + 1) * width));
    return { pastKeys: this.#keys.map(tensor), pastValues: this.#values.map(tensor), attentionMask: { dtype: 'int64', shape: [this.rowCount, width], data: mask } };
  }

  /** Takes the decoder's `present.*` outputs (B, H, P + 1, D) after a step in which every row gained one token. */
  advance(presentKeys: Float32Array[], presentValues: Float32Array[]): void {
    this.#keys = presentKeys;
    this.#values = presentValues;
    this.#pastLength += 1;
    this.#lengths = this.#lengths.map((length) => length + 1);
  }

  /** Rebuilds every layer at `newPast` columns from batch rows (and optionally one extra row), right-aligned. */
  #relayout(newPast: number, sources: readonly { from: 'batch' | 'row'; index: number }[], row: RowCache | null): void {
    const { nHead, headSize } = this.geometry;
    const rowSize = nHead * newPast * headSize;
    const rebuild = (batch: Float32Array, extra: Float32Array | undefined): Float32Array => {
      const out = new Float32Array(sources.length * rowSize);
      sources.forEach((source, outRow) => {
        const [data, rowIndex, past] = source.from === 'batch' ? [batch, source.index, this.#pastLength] : [extra!, 0, row!.length];
        copyRowRightAligned({ source: data, sourceRow: rowIndex, sourcePast: past }, { target: out, targetRow: outRow, targetPast: newPast }, nHead, headSize);
      });
      return out;
    };
    this.#keys = this.#keys.map((layer, index) => rebuild(layer, row?.keys[index]));
    this.#values = this.#values.map((layer, index) => rebuild(layer, row?.values[index]));
    this.#pastLength = newPast;
  }
}

/** Copies one row's last min(sourcePast, targetPast) positions of every head to the right end of the target row. */
function copyRowRightAligned(
  from: { source: Float32Array; sourceRow: number; sourcePast: number },
  to: { target: Float32Array; targetRow: number; targetPast: number },
  nHead: number,
  headSize: number,
): void {
  const kept = Math.min(from.sourcePast, to.targetPast);
  for (let head = 0; head < nHead; head++) {
    const sourceHead = (from.sourceRow * nHead + head) * from.sourcePast * headSize;
    const targetHead = (to.targetRow * nHead + head) * to.targetPast * headSize;
    const sourceStart = sourceHead + (from.sourcePast - kept) * headSize;
    const targetStart = targetHead + (to.targetPast - kept) * headSize;
    to.target.set(from.source.subarray(sourceStart, sourceStart + kept * headSize), targetStart);
  }
}

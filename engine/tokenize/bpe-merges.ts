// BPE merge ranks and applying them to one pre-tokenized word: repeatedly merge the adjacent pair with the lowest
// rank, leftmost first on ties (the Hugging Face `tokenizers` rule). Short words use a flat scan, long ones a heap.
import { NumberMinHeap } from './number-min-heap.ts';
import { PairTable } from './pair-table.ts';

const NO_MERGE = 0x7fffffff;
/** Below this many symbols the quadratic scan beats the heap; above it the heap keeps long runs (e.g. 1 MB of "=") linear-ish. */
export const HEAP_MERGE_MIN_SYMBOLS = 48;
const POSITION_FACTOR = 2 ** 32;

export class MergeTable {
  private readonly ranks: PairTable;
  private readonly results: Int32Array;

  /** `merges[rank]` = [leftId, rightId, mergedId]; a pair listed twice keeps its last rank, as `tokenizers` does. */
  constructor(merges: ReadonlyArray<readonly [number, number, number]>) {
    this.ranks = new PairTable(merges.length);
    this.results = new Int32Array(merges.length);
    merges.forEach(([left, right, merged], rank) => {
      this.ranks.set(left, right, rank);
      this.results[rank] = merged;
    });
  }

  get size(): number {
    return this.results.length;
  }

  rankOf(left: number, right: number): number {
    return this.ranks.get(left, right, NO_MERGE);
  }

  mergedIdOf(rank: number): number {
    return this.results[rank] as number;
  }
}

/** Merges `symbols` (base token ids) in place and returns the merged ids. */
export function mergeWord(symbols: number[], table: MergeTable, heapMinSymbols = HEAP_MERGE_MIN_SYMBOLS): number[] {
  if (symbols.length < 2) return symbols;
  return symbols.length < heapMinSymbols ? mergeByScan(symbols, table) : mergeByHeap(symbols, table);
}

function mergeByScan(symbols: number[], table: MergeTable): number[] {
  const pairRanks: number[] = [];
  for (let i = 0; i + 1 < symbols.length; i++) pairRanks.push(table.rankOf(symbols[i] as number, symbols[i + 1] as number));
  for (;;) {
    let best = -1;
    let bestRank = NO_MERGE;
    for (let i = 0; i < pairRanks.length; i++) {
      if ((pairRanks[i] as number) < bestRank) {
        bestRank = pairRanks[i] as number;
        best = i;
      }
    }
    if (best < 0) return symbols;
    symbols[best] = table.mergedIdOf(bestRank);
    symbols.splice(best + 1, 1);
    pairRanks.splice(best, 1);
    if (best > 0) pairRanks[best - 1] = table.rankOf(symbols[best - 1] as number, symbols[best] as number);
    if (best < pairRanks.length) pairRanks[best] = table.rankOf(symbols[best] as number, symbols[best + 1] as number);
  }
}

/** Symbols form a linked list; the heap holds rank * 2^32 + position, and entries whose pair has changed are skipped. */
function mergeByHeap(symbols: number[], table: MergeTable): number[] {
  const count = symbols.length;
  const next = new Int32Array(count);
  const previous = new Int32Array(count);
  const alive = new Uint8Array(count).fill(1);
  const heap = new NumberMinHeap();
  const pushPairAt = (position: number): void => {
    const right = next[position] as number;
    if (right < 0) return;
    const rank = table.rankOf(symbols[position] as number, symbols[right] as number);
    if (rank !== NO_MERGE) heap.push(rank * POSITION_FACTOR + position);
  };
  for (let i = 0; i < count; i++) {
    next[i] = i + 1 < count ? i + 1 : -1;
    previous[i] = i - 1;
  }
  for (let i = 0; i + 1 < count; i++) pushPairAt(i);
  while (heap.size > 0) {
    const key = heap.pop();
    const rank = Math.floor(key / POSITION_FACTOR);
    const position = key - rank * POSITION_FACTOR;
    const right = next[position] as number;
    if (!alive[position] || right < 0 || table.rankOf(symbols[position] as number, symbols[right] as number) !== rank) continue;
    symbols[position] = table.mergedIdOf(rank);
    alive[right] = 0;
    next[position] = next[right] as number;
    if ((next[right] as number) >= 0) previous[next[right] as number] = position;
    if ((previous[position] as number) >= 0) pushPairAt(previous[position] as number);
    pushPairAt(position);
  }
  const merged: number[] = [];
  for (let i = 0; i >= 0; i = next[i] as number) merged.push(symbols[i] as number);
  return merged;
}

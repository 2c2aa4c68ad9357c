// Learns BPE merges from word counts with incremental pair counts: each merge touches only the words that hold the
// pair (found through a pair -> words index) and a lazy max-heap replaces a recount over the corpus per merge.
import { PairHeap } from './pair-heap.ts';
import { PairTable } from './pair-table.ts';

export type LearningOutcome = 'reached-vocab-size' | 'no-frequent-pair-left';

export class BpeMergeLearner {
  /** Id -> byte-level token; grows by one per merge that makes a new token. */
  readonly tokens: string[];
  readonly vocab: Map<string, number>;
  readonly merges: [string, string][] = [];
  private readonly words: Int32Array[] = [];
  private readonly wordLengths: Int32Array;
  private readonly wordFrequencies: Float64Array;
  private readonly pairCounts = new PairTable(1 << 16);
  private readonly pairWordListIndex = new PairTable(1 << 16);
  private readonly pairWordLists: number[][] = [];
  private readonly lastMergeStepOfWord: Int32Array;
  private readonly heap = new PairHeap();
  /** Pair -> the merge step that last created it, so each new pair is pushed onto the heap once per step. */
  private readonly pairCreatedAtStep = new PairTable(1 << 16);
  private readonly pairsCreatedThisStep: number[] = [];
  private mergeStep = 0;

  /** `wordSymbols[w]` holds word w's base token ids; `frequencies[w]` how often it occurs. */
  constructor(initialTokens: readonly string[], wordSymbols: Int32Array[], frequencies: Float64Array) {
    this.tokens = [...initialTokens];
    this.vocab = new Map(this.tokens.map((token, id) => [token, id]));
    this.words = wordSymbols;
    this.wordLengths = Int32Array.from(wordSymbols, (symbols) => symbols.length);
    this.wordFrequencies = frequencies;
    this.lastMergeStepOfWord = new Int32Array(wordSymbols.length);
    this.words.forEach((symbols, word) => {
      for (let i = 0; i + 1 < symbols.length; i++) {
        this.pairCounts.add(symbols[i] as number, symbols[i + 1] as number, this.wordFrequencies[word] as number);
        this.notePairInWord(symbols[i] as number, symbols[i + 1] as number, word);
      }
    });
    this.pairCounts.forEach((left, right, count) => this.heap.push(count, left, right));
  }

  /** Merges until the vocabulary has `vocabSize` tokens or no pair occurs `minFrequency` times (and at least once). */
  learn(vocabSize: number, minFrequency: number): LearningOutcome {
    while (this.vocab.size < vocabSize) {
      const best = this.popMostFrequentPair();
      if (best === undefined || best.count < Math.max(minFrequency, 1)) return 'no-frequent-pair-left';
      this.merge(best.left, best.right);
    }
    return 'reached-vocab-size';
  }

  /** Heap entries go stale as counts drop; a stale top is pushed back with its current count. */
  private popMostFrequentPair(): { count: number; left: number; right: number } | undefined {
    while (this.heap.size > 0) {
      const top = this.heap.pop();
      const current = this.pairCounts.get(top.left, top.right, 0);
      if (current === top.count) return top;
      if (current > 0) this.heap.push(current, top.left, top.right);
    }
    return undefined;
  }

  private merge(left: number, right: number): void {
    this.mergeStep++;
    const leftToken = this.tokens[left] as string;
    const rightToken = this.tokens[right] as string;
    this.merges.push([leftToken, rightToken]);
    const mergedId = this.idOfMergedToken(leftToken + rightToken);
    const listIndex = this.pairWordListIndex.get(left, right);
    const wordsWithPair = this.pairWordLists[listIndex] as number[];
    this.pairWordLists[listIndex] = [];
    this.pairsCreatedThisStep.length = 0;
    for (const word of wordsWithPair) {
      if (this.lastMergeStepOfWord[word] === this.mergeStep) continue;
      this.lastMergeStepOfWord[word] = this.mergeStep;
      this.mergeInWord(word, left, right, mergedId);
    }
    for (let i = 0; i < this.pairsCreatedThisStep.length; i += 2) {
      const pairLeft = this.pairsCreatedThisStep[i] as number;
      const pairRight = this.pairsCreatedThisStep[i + 1] as number;
      const count = this.pairCounts.get(pairLeft, pairRight, 0);
      if (count > 0) this.heap.push(count, pairLeft, pairRight);
    }
  }

  /** Two different merges can spell the same token (a+bc, ab+c); like `tokenizers`, the second reuses the id. */
  private idOfMergedToken(token: string): number {
    const existing = this.vocab.get(token);
    if (existing !== undefined) return existing;
    this.tokens.push(token);
    this.vocab.set(token, this.tokens.length - 1);
    return this.tokens.length - 1;
  }

  /** Rewrites one word: its old pairs are uncounted, the pair merged left to right, its new pairs counted. */
  private mergeInWord(word: number, left: number, right: number, mergedId: number): void {
    const symbols = this.words[word] as Int32Array;
    const length = this.wordLengths[word] as number;
    const frequency = this.wordFrequencies[word] as number;
    if (!containsPair(symbols, length, left, right)) return;
    for (let i = 0; i + 1 < length; i++) this.pairCounts.add(symbols[i] as number, symbols[i + 1] as number, -frequency);
    let written = 0;
    for (let read = 0; read < length; written++) {
      const isPair = read + 1 < length && symbols[read] === left && symbols[read + 1] === right;
      symbols[written] = isPair ? mergedId : (symbols[read] as number);
      read += isPair ? 2 : 1;
    }
    this.wordLengths[word] = written;
    for (let i = 0; i + 1 < written; i++) {
      const pairLeft = symbols[i] as number;
      const pairRight = symbols[i + 1] as number;
      this.pairCounts.add(pairLeft, pairRight, frequency);
      if (pairLeft === mergedId || pairRight === mergedId) {
        this.notePairInWord(pairLeft, pairRight, word);
        this.notePairCreated(pairLeft, pairRight);
      }
    }
  }

  private notePairCreated(left: number, right: number): void {
    if (this.pairCreatedAtStep.get(left, right) === this.mergeStep) return;
    this.pairCreatedAtStep.set(left, right, this.mergeStep);
    this.pairsCreatedThisStep.push(left, right);
  }

  private notePairInWord(left: number, right: number, word: number): void {
    let listIndex = this.pairWordListIndex.get(left, right);
    if (listIndex < 0) {
      listIndex = this.pairWordLists.length;
      this.pairWordLists.push([]);
      this.pairWordListIndex.set(left, right, listIndex);
    }
    const list = this.pairWordLists[listIndex] as number[];
    if (list[list.length - 1] !== word) list.push(word);
  }
}

/** Word lists may hold words whose pair an earlier merge already consumed. */
function containsPair(symbols: Int32Array, length: number, left: number, right: number): boolean {
  for (let i = 0; i + 1 < length; i++) if (symbols[i] === left && symbols[i + 1] === right) return true;
  return false;
}

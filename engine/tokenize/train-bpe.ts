// Trains a GPT-2-style byte-level BPE tokenizer: GPT-2 pre-tokenization, word counts, then merges learned until
// `vocabSize`. Ids: special tokens first, then the 256 byte tokens in code-point order, then merges in order.
import { BYTE_ALPHABET_BY_CODE_POINT, BYTE_TO_CHAR } from './byte-level-alphabet.ts';
import { ByteLevelBpeTokenizer } from './byte-level-bpe-tokenizer.ts';
import { BpeMergeLearner } from './bpe-merge-learner.ts';
import { utf8Encoder } from './token-text.ts';
import { specialAddedToken } from './tokenizer.ts';
import { countGpt2Words } from './word-counts.ts';

export const DEFAULT_SPECIAL_TOKENS: readonly string[] = ['<|endoftext|>'];
/** A pair seen once is memorisation, not structure; `tokenizers` defaults to 0, sentencepiece effectively to 2. */
export const DEFAULT_MIN_FREQUENCY = 2;

export interface BpeTrainingOptions {
  /** Total tokens: special tokens + 256 byte tokens + merges. */
  vocabSize: number;
  /** A pair must occur at least this often (counting word frequency) to be merged. */
  minFrequency?: number;
  specialTokens?: readonly string[];
  /** Told when the corpus runs out of pairs before `vocabSize`; training still returns a tokenizer. */
  onWarning?: (message: string) => void;
}

/** Each string is a document (or a chunk ending on whitespace); special tokens inside the text are never merged. */
export function trainBpe(documents: Iterable<string> | string, options: BpeTrainingOptions): ByteLevelBpeTokenizer {
  const specialTokens = options.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const minFrequency = options.minFrequency ?? DEFAULT_MIN_FREQUENCY;
  checkTrainingOptions(options.vocabSize, specialTokens);
  const wordCounts = countGpt2Words(typeof documents === 'string' ? [documents] : documents, specialTokens);
  const initialTokens = [...specialTokens, ...BYTE_ALPHABET_BY_CODE_POINT];
  const learner = new BpeMergeLearner(initialTokens, ...wordSymbolsOf(wordCounts, initialTokens));
  const outcome = learner.learn(options.vocabSize, minFrequency);
  if (outcome === 'no-frequent-pair-left') {
    options.onWarning?.(`bpe training: the corpus is too small for vocabSize ${options.vocabSize}: after ${learner.merges.length} merges no pair occurs ${minFrequency} or more times, so the vocabulary has ${learner.vocab.size} tokens`);
  }
  return new ByteLevelBpeTokenizer({
    vocab: learner.vocab,
    merges: learner.merges,
    addedTokens: specialTokens.map((content, id) => specialAddedToken(id, content)),
  });
}

function checkTrainingOptions(vocabSize: number, specialTokens: readonly string[]): void {
  const minimum = specialTokens.length + BYTE_ALPHABET_BY_CODE_POINT.length;
  if (!Number.isInteger(vocabSize) || vocabSize < minimum) {
    throw new Error(`bpe training: vocabSize ${vocabSize} is smaller than the base alphabet; use at least ${minimum} (256 byte tokens + ${specialTokens.length} special tokens)`);
  }
  const duplicate = specialTokens.find((token, index) => token === '' || specialTokens.indexOf(token) !== index);
  if (duplicate !== undefined) throw new Error(`bpe training: special token ${JSON.stringify(duplicate)} is empty or listed twice; give each special token once`);
}

function wordSymbolsOf(wordCounts: Map<string, number>, initialTokens: readonly string[]): [Int32Array[], Float64Array] {
  const idOfToken = new Map(initialTokens.map((token, id) => [token, id]));
  const baseIdOfByte = Int32Array.from(BYTE_TO_CHAR, (char) => idOfToken.get(char) as number);
  const words: Int32Array[] = [];
  const frequencies = new Float64Array(wordCounts.size);
  let utf8 = new Uint8Array(256);
  for (const [word, count] of wordCounts) {
    if (utf8.length < word.length * 3) utf8 = new Uint8Array(word.length * 3);
    const { written } = utf8Encoder.encodeInto(word, utf8);
    const symbols = new Int32Array(written);
    for (let i = 0; i < written; i++) symbols[i] = baseIdOfByte[utf8[i] as number] as number;
    frequencies[words.length] = count;
    words.push(symbols);
  }
  return [words, frequencies];
}

// The benchmark's character-level corpus: the text's sorted distinct characters as the vocabulary, ids for the
// whole text, a train/validation split, and batches read from given window starts. Small enough to hold in memory.

import { readFileSync } from 'node:fs';
import type { TrainBatch } from '../engine/ml/train/step/train-batch.ts';
import { createRandom } from '../engine/ml/tensor/random.ts';

export interface CharCorpus {
  vocabSize: number;
  train: Uint16Array;
  val: Uint16Array;
}

/** Sorted by code point like Python's sorted(set(text)), so the PyTorch worker assigns the same ids. */
export function loadCharCorpus(file: string, trainFraction: number): CharCorpus {
  const characters = [...readFileSync(file, 'utf8')];
  const vocabulary = [...new Set(characters)].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
  const idOf = new Map(vocabulary.map((character, id) => [character, id]));
  const ids = Uint16Array.from(characters, (character) => idOf.get(character) as number);
  const split = Math.floor(ids.length * trainFraction);
  return { vocabSize: vocabulary.length, train: ids.subarray(0, split), val: ids.subarray(split) };
}

/** Rows of tokens ids[s, s+T) and targets ids[s+1, s+T+1), one row per start. */
export function batchAt(ids: Uint16Array, starts: readonly number[], time: number): TrainBatch {
  const tokens = new BigInt64Array(starts.length * time);
  const targets = new BigInt64Array(starts.length * time);
  starts.forEach((start, row) => {
    for (let t = 0; t < time; t++) {
      tokens[row * time + t] = BigInt(ids[start + t] as number);
      targets[row * time + t] = BigInt(ids[start + t + 1] as number);
    }
  });
  const shape = [starts.length, time];
  return { tokens: { dtype: 'int64', shape, data: tokens }, targets: { dtype: 'int64', shape, data: targets } };
}

/** A seeded source of window starts in [0, length - T - 1], as nanoGPT's get_batch draws them. */
export function windowStartSource(length: number, time: number, seed: number): (batch: number) => number[] {
  const random = createRandom(seed);
  const limit = length - time - 1;
  if (limit < 1) throw new Error(`bench corpus: ${length} tokens cannot hold windows of ${time + 1}`);
  return (batch) => Array.from({ length: batch }, () => random.int(limit + 1));
}

// Test support: a tiny training configuration that runs a handful of steps in well under a second, and the
// tinyshakespeare excerpt tests train on (read from the shared data folder, never copied into the repo).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingSettings } from '../training-settings.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export function shakespeareExcerpt(characters: number): string {
  return readFileSync(path.resolve(repoRoot, '../shared/data/tinyshakespeare.txt'), 'utf8').slice(0, characters);
}

export const TINY_SETTINGS: TrainingSettings = {
  nLayer: 1,
  nHead: 2,
  nEmbd: 16,
  blockSize: 16,
  dropout: 0,
  bias: true,
  batchSize: 4,
  gradAccumSteps: 1,
  maxSteps: 8,
  learningRate: 1e-2,
  minLearningRate: 1e-3,
  warmupSteps: 2,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  gradClip: 1,
  evalInterval: 4,
  evalBatches: 2,
  checkpointInterval: 3,
  seed: 1337,
  threads: 1,
};

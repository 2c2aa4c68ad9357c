// Test support for `crucible launch`'s folder: a LaunchInput for a tiny pretrain (the trainer tests' shards and
// settings) that a test writes with writeLaunchFolder, without a pipeline run to make the tokens.

import path from 'node:path';
import { tinySettings, writeTinyShards } from '../../torch/testing/torch-runner.ts';
import type { TokensArtifactPaths } from '../../ml/train/tokens-artifact.ts';
import type { TrainingSettings } from '../../ml/train/training-settings.ts';
import type { ClusterOptions, LaunchInput } from '../cluster-launch.ts';
import { modelConfigForRun } from '../torch-training.ts';

/** The trainer tests' shards under `dir`, as a Tokens artifact's paths (no loss masks, no tokenizer files). */
export function writeTinyTokens(dir: string): TokensArtifactPaths {
  writeTinyShards(dir);
  return { trainBase: path.join(dir, 'train'), valBase: path.join(dir, 'val'), trainMask: null, valMask: null, tokenizerJson: null, tokenizerConfigJson: null };
}

export interface TinyLaunch {
  dir: string;
  tokens: TokensArtifactPaths;
  nodeId?: string;
  settings?: Record<string, number | boolean>;
  options?: Partial<ClusterOptions>;
}

/** A pretrain of 2 steps on the CPU, on one node with one rank, whose shared path is `dir` unless options say. */
export function tinyLaunchInput({ dir, tokens, nodeId = 'train', settings: overrides = {}, options = {} }: TinyLaunch): LaunchInput {
  const settings = tinySettings({ maxSteps: 2, evalInterval: 2, evalBatches: 1, checkpointInterval: 2, ...overrides }) as TrainingSettings;
  return {
    dir,
    kind: 'pretrain',
    settings,
    model: modelConfigForRun(settings, tokens, null),
    tokens,
    finetune: null,
    options: { cluster: 'slurm', nodes: 1, gpusPerNode: 0, nprocPerNode: 1, shared: dir, image: 'torch:test', pvc: 'crucible-shared', threadsPerRank: 1, precision: 'float32', ...options },
    record: { pipeline: { path: '/p/pipeline.crucible.json', name: 'test' }, node: { id: nodeId, type: 'pretrain', config: { ...overrides } }, inputs: { tokens: { key: 'f'.repeat(64), path: path.dirname(tokens.trainBase) } } },
  };
}

// Test support for the LoRA tests: tiny configs and options, parameters with a visible spread (B non-zero, so every
// adapter moves the logits), random token batches, and a forward-only run of any model family's logits.

import { gpt2Config, type Gpt2Config } from '../../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../../gpt2/parameters.ts';
import { llamaConfig, type LlamaConfig } from '../../llama/config.ts';
import { llamaParameterSpecs } from '../../llama/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../../model-config.ts';
import { Graph } from '../../graph/graph.ts';
import { createModelSession } from '../../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom, type Random } from '../../tensor/random.ts';
import type { ModelFamily } from '../../train/step/model-family.ts';
import type { TrainBatch } from '../../train/step/train-batch.ts';
import { GPT2_LORA_TARGETS, LLAMA_LORA_TARGETS, loraParameterSpecs, type LoraOptions } from '../lora-parameters.ts';

/** Two blocks, so adapter names and block indices are both exercised; every dimension differs from the others. */
export const tinyConfig: Gpt2Config = gpt2Config({ vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 6, blockSize: 5 });

export const allTargets: LoraOptions = { rank: 2, alpha: 3, dropout: 0, targets: GPT2_LORA_TARGETS };

/** A Llama with GQA (4 heads over 2 key/value heads, head_dim 4 ≠ C / H), untied, every width distinct. */
export const tinyLlamaConfig: LlamaConfig = llamaConfig({ vocabSize: 11, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 6, headDim: 4, intermediateSize: 10, blockSize: 5, tieEmbeddings: false });

export const allLlamaTargets: LoraOptions = { rank: 2, alpha: 3, dropout: 0, targets: LLAMA_LORA_TARGETS };

/** Base weights N(0, 0.5) (norm scales around 1) and adapters N(0, 0.5): B non-zero, unlike the init. */
export function spreadParameters(config: ModelConfig, options: LoraOptions, seed: number, dtype: 'float32' | 'float64'): ParameterSet {
  const random = createRandom(seed);
  const parameters: ParameterSet = new Map();
  const specs = isLlamaConfig(config) ? llamaParameterSpecs(config) : gpt2ParameterSpecs(config);
  for (const spec of specs) parameters.set(spec.name, normalTensor(random, spec.shape, dtype, spec.init === 'ones' ? 1 : 0));
  for (const spec of loraParameterSpecs(config, options)) parameters.set(spec.name, normalTensor(random, spec.shape, dtype, 0));
  return parameters;
}

function normalTensor(random: Random, shape: readonly number[], dtype: 'float32' | 'float64', mean: number): HostTensor {
  return hostTensor(dtype, shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => mean + 0.5 * random.normal()));
}

export function randomBatch(config: ModelConfig, rows: number, time: number, seed: number): TrainBatch {
  const random = createRandom(seed);
  const ids = () => hostTensor('int64', [rows, time], Array.from({ length: rows * time }, () => random.int(config.vocabSize)));
  return { tokens: ids(), targets: ids() };
}

/** The family's logits (B, T, V) for `tokens`, without dropout, as plain numbers. */
export async function familyLogits(family: ModelFamily, parameters: ReadonlyMap<string, HostTensor>, tokens: HostTensor): Promise<number[]> {
  const dtype = parameters.values().next().value?.dtype as 'float32' | 'float64';
  const graph = new Graph({ name: `${family.name}-logits` });
  const inputs = new Map(family.parameters.map((spec) => [spec.name, graph.input(spec.name, dtype, spec.shape)]));
  const tokenInput = graph.input('tokens', 'int64', tokens.shape);
  graph.output(family.forward({ tokens: tokenInput, parameters: inputs, dropoutMasks: new Map() }).logits, 'logits');
  const session = await createModelSession(graph.toBytes());
  try {
    const feeds = Object.fromEntries(family.parameters.map((spec) => [spec.name, parameters.get(spec.name) as HostTensor]));
    const results = await session.run({ ...feeds, tokens });
    return numbersOf(results.logits as HostTensor);
  } finally {
    await session.release();
  }
}

export function largestDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`largestDifference: ${a.length} values against ${b.length}`);
  return a.reduce((largest, value, index) => Math.max(largest, Math.abs(value - (b[index] as number))), 0);
}

// The exported decoder for Llama (decoder-model.ts with llama-decoder-body.ts): Optimum's names with key/value heads
// in past/present, the training forward's logits for the same weights (grouped-query attention, biases on and off,
// tied and untied head), token-by-token decoding through the cache equal to one full pass, and left padding masked by
// attention_mask with position_ids starting after it.

import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.ts';
import { llamaConfig, type LlamaConfig } from '../llama/config.ts';
import { buildLlamaForward } from '../llama/forward.ts';
import { initLlamaParameters } from '../llama/parameters.ts';
import { createModelSession } from '../runtime/session.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { buildDecoderModel, type DecoderParameters } from './decoder-model.ts';
import { DecoderSession } from './decoder-session.ts';
import { decoderNames } from './kv-decoder.ts';

/** Initial weights plus noise everywhere, so norms and biases are not trivially 1 or 0. */
function noisyParameters(config: LlamaConfig, seed: number): DecoderParameters {
  const random = createRandom(seed);
  const parameters = initLlamaParameters(config, seed);
  for (const tensor of parameters.values()) (tensor.data as Float32Array).forEach((value, index, data) => (data[index] = value + 0.1 * random.normal()));
  return parameters;
}

async function trainingForwardLogits(config: LlamaConfig, parameters: DecoderParameters, rows: number[][]): Promise<Float32Array> {
  const time = rows[0]!.length;
  const graph = new Graph();
  const tokens = graph.input('tokens', 'int64', [rows.length, time]);
  const inputs = new Map([...parameters].map(([name, tensor]) => [name, graph.input(name, 'float32', tensor.shape)]));
  graph.output(buildLlamaForward(config, { tokens, parameters: inputs, dropoutMasks: new Map() }).logits, 'logits');
  const session = await createModelSession(graph.toBytes());
  const results = await session.run({ ...Object.fromEntries(parameters), tokens: int64(rows) });
  await session.release();
  return results.logits!.data as Float32Array;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, value, index) => Math.max(worst, Math.abs(value - b[index]!)), 0);
}

const int64 = (rows: number[][]): HostTensor => ({ dtype: 'int64', shape: [rows.length, rows[0]!.length], data: BigInt64Array.from(rows.flat(), BigInt) });
const emptyPast = (config: LlamaConfig, batch: number): HostTensor => ({ dtype: 'float32', shape: [batch, config.nKvHead, 0, config.headDim], data: new Float32Array(0) });

const variants = [
  { name: 'grouped-query, tied, no biases', config: llamaConfig({ vocabSize: 13, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, blockSize: 12, intermediateSize: 40 }) },
  { name: 'multi-query, untied, biases, headDim ≠ nEmbd / nHead', config: llamaConfig({ vocabSize: 13, nLayer: 2, nHead: 4, nKvHead: 1, nEmbd: 24, headDim: 8, blockSize: 12, intermediateSize: 40, tieEmbeddings: false, attentionBias: true, mlpBias: true, ropeTheta: 500 }) },
  { name: 'multi-head', config: llamaConfig({ vocabSize: 13, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 12 }) },
];

for (const [index, { name, config }] of variants.entries()) {
  describe(`Llama KV-cache decoder (${name})`, () => {
    const parameters = noisyParameters(config, index + 1);
    const rows = [[1, 5, 2, 9, 12, 0, 3], [4, 4, 7, 1, 0, 11, 6]];

    it('matches the training forward on a batch with no past, with key/value heads in present', async () => {
      const expected = await trainingForwardLogits(config, parameters, rows);
      const session = await createModelSession(buildDecoderModel(config, parameters).toBytes());
      const feeds: Record<string, HostTensor> = {
        [decoderNames.inputIds]: int64(rows),
        [decoderNames.attentionMask]: int64(rows.map((row) => row.map(() => 1))),
        [decoderNames.positionIds]: int64(rows.map((row) => row.map((_, position) => position))),
      };
      for (let layer = 0; layer < config.nLayer; layer++) feeds[decoderNames.pastKey(layer)] = feeds[decoderNames.pastValue(layer)] = emptyPast(config, 2);
      const results = await session.run(feeds);
      await session.release();
      expect(results[decoderNames.logits]?.shape).toEqual([2, 7, 13]);
      expect(results[decoderNames.presentKey(config.nLayer - 1)]?.shape).toEqual([2, config.nKvHead, 7, config.headDim]);
      expect(results[decoderNames.presentValue(0)]?.shape).toEqual([2, config.nKvHead, 7, config.headDim]);
      expect(maxAbsDifference(results[decoderNames.logits]!.data as Float32Array, expected)).toBeLessThan(1e-4);
    });

    it('decodes through the cache one token at a time exactly as a full pass', async () => {
      const row = rows[0]!;
      const expected = await trainingForwardLogits(config, parameters, [row]);
      const decoder = await DecoderSession.create(config, buildDecoderModel(config, parameters).toBytes());
      const pieces = [await decoder.append(row.slice(0, 3))];
      for (const id of row.slice(3)) pieces.push(await decoder.append([id]));
      expect(decoder.cachedLength).toBe(7);
      expect(maxAbsDifference(Float32Array.from(pieces.flatMap((piece) => [...piece])), expected)).toBeLessThan(1e-4);
      await decoder.release();
    });
  });
}

describe('Llama KV-cache decoder padding', () => {
  it('ignores left padding masked out by attention_mask when position ids start after it', async () => {
    const config = variants[0]!.config;
    const parameters = noisyParameters(config, 7);
    const short = [3, 8, 1, 6];
    const expected = await trainingForwardLogits(config, parameters, [short]);
    const session = await createModelSession(buildDecoderModel(config, parameters).toBytes());
    const feeds: Record<string, HostTensor> = {
      [decoderNames.inputIds]: int64([[0, 0, ...short]]),
      [decoderNames.attentionMask]: int64([[0, 0, 1, 1, 1, 1]]),
      [decoderNames.positionIds]: int64([[0, 0, 0, 1, 2, 3]]),
    };
    for (let layer = 0; layer < config.nLayer; layer++) feeds[decoderNames.pastKey(layer)] = feeds[decoderNames.pastValue(layer)] = emptyPast(config, 1);
    const results = await session.run(feeds);
    await session.release();
    expect(maxAbsDifference((results[decoderNames.logits]!.data as Float32Array).subarray(2 * 13), expected)).toBeLessThan(1e-4);
  });

  it('refuses parameters that are not the config’s', () => {
    const config = variants[0]!.config;
    const parameters = noisyParameters(config, 1);
    parameters.delete('model.layers.1.mlp.up_proj.weight');
    expect(() => buildDecoderModel(config, parameters)).toThrow(/llama decoder: parameter "model.layers.1.mlp.up_proj.weight" is missing/);
  });
});

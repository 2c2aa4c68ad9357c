// Export parity: the ONNX KV-cache decoder gives the training forward's logits for the same weights, token by
// token decoding through the cache matches one full pass, and left padding via attention_mask/position_ids works.

import { describe, expect, it } from 'vitest';
import { gpt2Config, type Gpt2Config } from '../gpt2/config.ts';
import { addGpt2Inputs, buildGpt2Forward } from '../gpt2/forward.ts';
import { initGpt2Parameters, type ParameterSet } from '../gpt2/parameters.ts';
import { Graph } from '../graph/graph.ts';
import { createModelSession } from '../runtime/session.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { DecoderSession } from './decoder-session.ts';
import { buildDecoderModel } from './decoder-model.ts';
import { decoderNames } from './kv-decoder.ts';

/** Initial weights plus noise everywhere, so biases and LayerNorm parameters are not trivially 0 or 1. */
function noisyParameters(config: Gpt2Config, seed: number): ParameterSet {
  const random = createRandom(seed);
  const parameters = initGpt2Parameters(config, seed);
  for (const tensor of parameters.values()) (tensor.data as Float32Array).forEach((value, index, data) => (data[index] = value + 0.05 * random.normal()));
  return parameters;
}

async function trainingForwardLogits(config: Gpt2Config, parameters: ParameterSet, rows: number[][]): Promise<Float32Array> {
  const time = (rows[0] as number[]).length;
  const graph = new Graph();
  const inputs = addGpt2Inputs(graph, config, { batch: rows.length, time, dtype: 'float32', withTargets: false, training: false });
  graph.output(buildGpt2Forward(config, inputs).logits, 'logits');
  const session = await createModelSession(graph.toBytes());
  const tokens: HostTensor = { dtype: 'int64', shape: [rows.length, time], data: BigInt64Array.from(rows.flat(), BigInt) };
  const results = await session.run({ ...Object.fromEntries(parameters), tokens });
  await session.release();
  return (results.logits as HostTensor).data as Float32Array;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, value, index) => Math.max(worst, Math.abs(value - (b[index] as number))), 0);
}

const int64 = (rows: number[][]): HostTensor => ({ dtype: 'int64', shape: [rows.length, (rows[0] as number[]).length], data: BigInt64Array.from(rows.flat(), BigInt) });
const emptyPast = (config: Gpt2Config, batch: number): HostTensor => ({ dtype: 'float32', shape: [batch, config.nHead, 0, config.nEmbd / config.nHead], data: new Float32Array(0) });

for (const bias of [true, false]) {
  describe(`GPT-2 KV-cache decoder (bias ${bias})`, () => {
    const config = gpt2Config({ vocabSize: 13, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 12, bias });
    const parameters = noisyParameters(config, bias ? 1 : 2);
    const rows = [[1, 5, 2, 9, 12, 0, 3], [4, 4, 7, 1, 0, 11, 6]];

    it('matches the training forward on a batch with no past', async () => {
      const expected = await trainingForwardLogits(config, parameters, rows);
      const session = await createModelSession(buildDecoderModel(config, parameters).toBytes());
      const feeds: Record<string, HostTensor> = {
        [decoderNames.inputIds]: int64(rows),
        [decoderNames.attentionMask]: int64(rows.map((row) => row.map(() => 1))),
        [decoderNames.positionIds]: int64(rows.map((row) => row.map((_, index) => index))),
      };
      for (let layer = 0; layer < config.nLayer; layer++) {
        feeds[decoderNames.pastKey(layer)] = emptyPast(config, 2);
        feeds[decoderNames.pastValue(layer)] = emptyPast(config, 2);
      }
      const results = await session.run(feeds);
      await session.release();
      expect(results[decoderNames.logits]?.shape).toEqual([2, 7, 13]);
      expect(results[decoderNames.presentKey(1)]?.shape).toEqual([2, 2, 7, 8]);
      expect(maxAbsDifference(results[decoderNames.logits]?.data as Float32Array, expected)).toBeLessThan(1e-4);
    });

    it('decodes through the cache one token at a time exactly as a full pass', async () => {
      const row = rows[0] as number[];
      const expected = await trainingForwardLogits(config, parameters, [row]);
      const decoder = await DecoderSession.create(config, buildDecoderModel(config, parameters).toBytes());
      const pieces = [await decoder.append(row.slice(0, 3))];
      for (const id of row.slice(3)) pieces.push(await decoder.append([id]));
      expect(decoder.cachedLength).toBe(7);
      const incremental = Float32Array.from(pieces.flatMap((piece) => [...piece]));
      expect(maxAbsDifference(incremental, expected)).toBeLessThan(1e-4);
      await expect(decoder.append(new Array(6).fill(1))).rejects.toThrow(/exceed blockSize 12/);
      await decoder.release();
    });
  });
}

describe('GPT-2 KV-cache decoder padding', () => {
  it('ignores left padding masked out by attention_mask when position ids start after it', async () => {
    const config = gpt2Config({ vocabSize: 13, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 12 });
    const parameters = noisyParameters(config, 3);
    const short = [3, 8, 1, 6];
    const expected = await trainingForwardLogits(config, parameters, [short]);
    const session = await createModelSession(buildDecoderModel(config, parameters).toBytes());
    const results = await session.run({
      [decoderNames.inputIds]: int64([[0, 0, ...short]]),
      [decoderNames.attentionMask]: int64([[0, 0, 1, 1, 1, 1]]),
      [decoderNames.positionIds]: int64([[0, 0, 0, 1, 2, 3]]),
      [decoderNames.pastKey(0)]: emptyPast(config, 1),
      [decoderNames.pastValue(0)]: emptyPast(config, 1),
    });
    await session.release();
    const logits = results[decoderNames.logits]?.data as Float32Array;
    expect(maxAbsDifference(logits.subarray(2 * 13), expected)).toBeLessThan(1e-4);
  });
});

// Checks the GPT-2 ONNX forward against a plain-loop HF-style reference (float64, T < blockSize, with and without
// biases; its loss through the step's cross-entropy), causality, and the whole model's gradients against finite
// differences (dropout included).

import { describe, expect, it } from 'vitest';
import { checkGradients } from '../autodiff/gradient-check.ts';
import { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import { gpt2Config, type Gpt2Config } from './config.ts';
import { gpt2DropoutSites, sampleDropoutMasks } from './dropout-masks.ts';
import { addGpt2Inputs, buildGpt2Forward } from './forward.ts';
import { gpt2ParameterSpecs, type ParameterSet } from './parameters.ts';
import { referenceGpt2Forward } from './reference-forward.ts';
import { meanCrossEntropy } from '../train/step/training-loss.ts';

/** Parameters with a large spread, so every weight visibly moves the logits. */
function spreadParameters(config: Gpt2Config, random: Random, dtype: 'float32' | 'float64'): ParameterSet {
  const parameters: ParameterSet = new Map();
  for (const spec of gpt2ParameterSpecs(config)) {
    const values = Array.from({ length: spec.shape.reduce((a, b) => a * b, 1) }, () => 0.5 * random.normal() + (spec.init === 'ones' ? 1 : 0));
    parameters.set(spec.name, hostTensor(dtype, spec.shape, values));
  }
  return parameters;
}

function randomTokens(random: Random, batch: number, time: number, vocab: number): number[][] {
  return Array.from({ length: batch }, () => Array.from({ length: time }, () => random.int(vocab)));
}

async function runForward(config: Gpt2Config, parameters: ParameterSet, tokens: number[][], targets: number[][], dtype: 'float32' | 'float64') {
  const graph = new Graph({ name: 'gpt2-forward' });
  const inputs = addGpt2Inputs(graph, config, { batch: 'B', time: tokens[0]?.length ?? 0, dtype, withTargets: true, training: false });
  const { logits, flatLogits } = buildGpt2Forward(config, inputs);
  graph.output(logits, 'logits');
  graph.output(meanCrossEntropy(flatLogits, inputs.targets as Value), 'loss');
  const session = await createModelSession(graph.toBytes());
  const feeds: Record<string, HostTensor> = Object.fromEntries(parameters);
  feeds.tokens = hostTensor('int64', [tokens.length, tokens[0]?.length ?? 0], tokens.flat());
  feeds.targets = hostTensor('int64', [targets.length, targets[0]?.length ?? 0], targets.flat());
  const results = await session.run(feeds);
  return { logits: numbersOf(results.logits as HostTensor), loss: numbersOf(results.loss as HostTensor)[0] as number };
}

describe('GPT-2 forward', () => {
  for (const bias of [true, false]) {
    it(`matches the reference logits and loss (bias ${bias}, T < blockSize)`, async () => {
      const config = gpt2Config({ vocabSize: 7, nLayer: 2, nHead: 2, nEmbd: 8, blockSize: 6, bias });
      const random = createRandom(bias ? 5 : 6);
      const parameters = spreadParameters(config, random, 'float64');
      const tokens = randomTokens(random, 2, 5, config.vocabSize);
      const targets = randomTokens(random, 2, 5, config.vocabSize);
      const actual = await runForward(config, parameters, tokens, targets, 'float64');
      const expected = referenceGpt2Forward(config, parameters, tokens, targets);
      expect(actual.logits).toHaveLength(2 * 5 * 7);
      const largestDifference = Math.max(...actual.logits.map((value, index) => Math.abs(value - (expected.logits[index] as number))));
      // ORT's float64 Gelu kernel is off by up to ~6e-9 from tanh-GELU; a layout mistake would be off by ~1.
      expect(largestDifference).toBeLessThan(1e-7);
      expect(Math.abs(actual.loss - expected.loss)).toBeLessThan(1e-7);
    });
  }

  it('is causal: a later token never changes earlier logits', async () => {
    const config = gpt2Config({ vocabSize: 11, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8 });
    const random = createRandom(9);
    const parameters = spreadParameters(config, random, 'float32');
    const tokens = randomTokens(random, 1, 6, config.vocabSize);
    const changed = tokens.map((row) => row.map((token, t) => (t === 5 ? (token + 1) % config.vocabSize : token)));
    const [before, after] = [await runForward(config, parameters, tokens, tokens, 'float32'), await runForward(config, parameters, changed, tokens, 'float32')];
    const earlier = 5 * config.vocabSize;
    expect(after.logits.slice(0, earlier)).toEqual(before.logits.slice(0, earlier));
    expect(after.logits.slice(earlier)).not.toEqual(before.logits.slice(earlier));
  });

  it('has gradients for every parameter that match finite differences (with dropout masks)', async () => {
    const config = gpt2Config({ vocabSize: 5, nLayer: 1, nHead: 2, nEmbd: 4, blockSize: 4, dropout: 0.25 });
    const specs = gpt2ParameterSpecs(config);
    const [batch, time] = [2, 3];
    const sites = gpt2DropoutSites(config, batch, time);
    const result = await checkGradients({
      name: 'gpt2 loss',
      inputs: (random) => [
        hostTensor('int64', [batch, time], randomTokens(random, batch, time, config.vocabSize).flat()),
        hostTensor('int64', [batch, time], randomTokens(random, batch, time, config.vocabSize).flat()),
        ...Object.values(sampleDropoutMasks(sites, config.dropout, random)),
        ...spreadParameters(config, random, 'float64').values(),
      ],
      build: (_graph, values) => {
        const [tokens, targets] = values as [Value, Value];
        const masks = new Map(sites.map((site, index) => [site.name, values[2 + index] as Value]));
        const parameters = new Map(specs.map((spec, index) => [spec.name, values[2 + sites.length + index] as Value]));
        return meanCrossEntropy(buildGpt2Forward(config, { tokens, parameters, dropoutMasks: masks }).flatLogits, targets);
      },
    }, { seed: 3 });
    expect(result.elementsChecked).toBe(specs.reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1), 0));
    expect(result.maxError, JSON.stringify(result.worst)).toBeLessThan(1e-6);
  });
});

// The Llama forward's gradients against central finite differences in float64 (GQA, untied head, biases, attention
// dropout), and causality. Its values are checked against PyTorch in parity/llama-parity.test.ts.

import { describe, expect, it } from 'vitest';
import { checkGradients } from '../autodiff/gradient-check.ts';
import { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import { sampleDropoutMasks } from '../gpt2/dropout-masks.ts';
import { meanCrossEntropy } from '../train/step/training-loss.ts';
import { llamaConfig, type LlamaConfig } from './config.ts';
import { buildLlamaForward, llamaDropoutSites } from './forward.ts';
import { llamaParameterSpecs } from './parameters.ts';

/** Parameters with a large spread, so every weight visibly moves the logits. */
function spreadParameters(config: LlamaConfig, random: Random, dtype: 'float32' | 'float64'): HostTensor[] {
  return llamaParameterSpecs(config).map((spec) => {
    const values = Array.from({ length: spec.shape.reduce((a, b) => a * b, 1) }, () => 0.5 * random.normal() + (spec.init === 'ones' ? 1 : 0));
    return hostTensor(dtype, spec.shape, values);
  });
}

const randomTokens = (random: Random, batch: number, time: number, vocab: number): number[] => Array.from({ length: batch * time }, () => random.int(vocab));

describe('Llama forward', () => {
  it('has gradients for every parameter that match finite differences (GQA, untied head, biases, attention dropout)', async () => {
    const config = llamaConfig({ vocabSize: 5, nLayer: 1, nHead: 4, nKvHead: 2, nEmbd: 8, headDim: 4, intermediateSize: 6, blockSize: 4, tieEmbeddings: false, attentionBias: true, mlpBias: true, dropout: 0.25, ropeTheta: 100 });
    const specs = llamaParameterSpecs(config);
    expect(specs.map((spec) => spec.name)).toContain('lm_head.weight');
    const [batch, time] = [2, 3];
    const sites = llamaDropoutSites(config, batch, time);
    const result = await checkGradients({
      name: 'llama loss',
      inputs: (random) => [
        hostTensor('int64', [batch, time], randomTokens(random, batch, time, config.vocabSize)),
        hostTensor('int64', [batch, time], randomTokens(random, batch, time, config.vocabSize)),
        ...Object.values(sampleDropoutMasks(sites, config.dropout, random)),
        ...spreadParameters(config, random, 'float64'),
      ],
      build: (_graph, values) => {
        const [tokens, targets] = values as [Value, Value];
        const masks = new Map(sites.map((site, index) => [site.name, values[2 + index] as Value]));
        const parameters = new Map(specs.map((spec, index) => [spec.name, values[2 + sites.length + index] as Value]));
        return meanCrossEntropy(buildLlamaForward(config, { tokens, parameters, dropoutMasks: masks }).flatLogits, targets);
      },
    }, { seed: 4 });
    expect(result.elementsChecked).toBe(specs.reduce((total, spec) => total + spec.shape.reduce((a, b) => a * b, 1), 0));
    expect(result.maxError, JSON.stringify(result.worst)).toBeLessThan(1e-6);
  });

  it('is causal: a later token never changes earlier logits', async () => {
    const config = llamaConfig({ vocabSize: 11, nLayer: 1, nHead: 2, nKvHead: 1, nEmbd: 8, blockSize: 8 });
    const random = createRandom(9);
    const specs = llamaParameterSpecs(config);
    const weights = spreadParameters(config, random, 'float32');
    const graph = new Graph({ name: 'llama-causal' });
    const tokens = graph.input('tokens', 'int64', [1, 6]);
    const parameters = new Map(specs.map((spec) => [spec.name, graph.input(spec.name, 'float32', spec.shape)]));
    graph.output(buildLlamaForward(config, { tokens, parameters, dropoutMasks: new Map() }).logits, 'logits');
    const session = await createModelSession(graph.toBytes());
    const feeds = Object.fromEntries(specs.map((spec, index) => [spec.name, weights[index] as HostTensor]));
    const ids = randomTokens(random, 1, 6, config.vocabSize);
    const changed = ids.map((token, t) => (t === 5 ? (token + 1) % config.vocabSize : token));
    const run = async (row: number[]) => numbersOf((await session.run({ ...feeds, tokens: hostTensor('int64', [1, 6], row) })).logits as HostTensor);
    const [before, after] = [await run(ids), await run(changed)];
    const earlier = 5 * config.vocabSize;
    expect(after.slice(0, earlier)).toEqual(before.slice(0, earlier));
    expect(after.slice(earlier)).not.toEqual(before.slice(earlier));
  });

  it('refuses an adapter that names no linear layer', () => {
    const config = llamaConfig({ vocabSize: 5, nLayer: 1, nHead: 2, nEmbd: 4, blockSize: 4 });
    const graph = new Graph({ name: 'llama-adapter' });
    const tokens = graph.input('tokens', 'int64', [1, 2]);
    const parameters = new Map(llamaParameterSpecs(config).map((spec) => [spec.name, graph.input(spec.name, 'float32', spec.shape)]));
    const linearAdapters = new Map([['model.layers.3.self_attn.q_proj', (x: Value) => x]]);
    expect(() => buildLlamaForward(config, { tokens, parameters, dropoutMasks: new Map(), linearAdapters })).toThrow(/names no linear layer.*model\.layers\.0\.self_attn\.q_proj/);
  });
});

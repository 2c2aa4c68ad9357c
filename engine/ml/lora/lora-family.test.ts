// LoRA's training family: every adapter gradient (A and B, each target, each block) from the step graph against
// central finite differences, dropout off and on (base and adapter masks composed); B = 0 gives the base model's
// logits; the step graph computes no gradient of a frozen base weight; option and adapter-name errors.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { buildGpt2Forward } from '../gpt2/forward.ts';
import { Graph } from '../graph/graph.ts';
import { createModelSession } from '../runtime/session.ts';
import { numbersOf } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { gpt2Family } from '../train/gpt2-family.ts';
import { loraFamily } from './lora-family.ts';
import { initLoraAdapters, loraAdapterNames, type LoraOptions } from './lora-parameters.ts';
import { largestGradientError, ROWS, stepOptions, TIME } from './testing/lora-gradients.ts';
import { productWork } from './testing/step-work.ts';
import { allTargets, familyLogits, largestDifference, randomBatch, spreadParameters, tinyConfig } from './testing/lora-support.ts';

describe('loraFamily', () => {
  it('has base parameters plus lora_A (rank, in) and lora_B (out, rank) per block and target, undecayed', () => {
    const family = loraFamily(tinyConfig, allTargets);
    const adapters = family.parameters.filter((spec) => spec.name.includes('.lora_'));
    expect(family.parameters.slice(0, gpt2Family(tinyConfig).parameters.length)).toEqual(gpt2Family(tinyConfig).parameters);
    expect(adapters.slice(0, 8)).toEqual([
      { name: 'transformer.h.0.attn.c_attn.lora_A', shape: [2, 6], decays: false },
      { name: 'transformer.h.0.attn.c_attn.lora_B', shape: [18, 2], decays: false },
      { name: 'transformer.h.0.attn.c_proj.lora_A', shape: [2, 6], decays: false },
      { name: 'transformer.h.0.attn.c_proj.lora_B', shape: [6, 2], decays: false },
      { name: 'transformer.h.0.mlp.c_fc.lora_A', shape: [2, 6], decays: false },
      { name: 'transformer.h.0.mlp.c_fc.lora_B', shape: [24, 2], decays: false },
      { name: 'transformer.h.0.mlp.c_proj.lora_A', shape: [2, 24], decays: false },
      { name: 'transformer.h.0.mlp.c_proj.lora_B', shape: [6, 2], decays: false },
    ]);
    expect(adapters.map((spec) => spec.name)).toEqual(loraAdapterNames(tinyConfig, allTargets));
    expect(loraAdapterNames(tinyConfig, { ...allTargets, targets: ['mlp.c_fc', 'attn.c_attn'] })).toEqual([
      'transformer.h.0.attn.c_attn.lora_A', 'transformer.h.0.attn.c_attn.lora_B', 'transformer.h.0.mlp.c_fc.lora_A', 'transformer.h.0.mlp.c_fc.lora_B',
      'transformer.h.1.attn.c_attn.lora_A', 'transformer.h.1.attn.c_attn.lora_B', 'transformer.h.1.mlp.c_fc.lora_A', 'transformer.h.1.mlp.c_fc.lora_B',
    ]);
  });

  it('inits A uniformly within ±1/√in (Kaiming-uniform, a = √5) and B to zeros, the same for the same seed', () => {
    const adapters = initLoraAdapters(tinyConfig, allTargets, 7);
    for (const [name, tensor] of adapters) {
      const values = numbersOf(tensor);
      if (name.endsWith('lora_B')) expect(values.every((value) => value === 0), name).toBe(true);
      else {
        const bound = 1 / Math.sqrt(tensor.shape[1] as number);
        expect(Math.max(...values.map(Math.abs)), name).toBeLessThanOrEqual(bound);
        expect(Math.max(...values.map(Math.abs)), name).toBeGreaterThan(bound / 2);
      }
    }
    expect(initLoraAdapters(tinyConfig, allTargets, 7)).toEqual(adapters);
    const family = loraFamily(tinyConfig, allTargets).initParameters(7, 'float32');
    expect([...family.keys()]).toEqual(loraFamily(tinyConfig, allTargets).parameters.map((spec) => spec.name));
  });

  it('every adapter gradient matches central finite differences (dropout off)', async () => {
    const { error, checked } = await largestGradientError(tinyConfig, allTargets, 3);
    expect(checked).toBe(tinyConfig.nLayer * allTargets.rank * ((6 + 18) + (6 + 6) + (6 + 24) + (24 + 6))); // every element of A and B
    expect(error).toBeLessThan(1e-6);
  });

  it('every adapter gradient matches central finite differences with base and adapter dropout masks', async () => {
    const config = gpt2Config({ ...tinyConfig, dropout: 0.2 });
    const options = { ...allTargets, dropout: 0.3, targets: ['attn.c_attn', 'mlp.c_proj'] as const };
    const masks = loraFamily(config, options).sampleDropoutMasks(ROWS, TIME, createRandom(1));
    expect(Object.keys(masks)).toEqual(expect.arrayContaining(['dropout.embd', 'dropout.h.1.attn', 'dropout.lora.h.0.attn.c_attn', 'dropout.lora.h.1.mlp.c_proj']));
    expect(masks['dropout.lora.h.1.mlp.c_proj']?.shape).toEqual([ROWS, TIME, 24]);
    const { error } = await largestGradientError(config, options, 4);
    expect(error).toBeLessThan(1e-6);
  });

  it('gives the base model\'s logits while B is zero (the init)', async () => {
    const parameters = spreadParameters(tinyConfig, allTargets, 5, 'float64');
    for (const [name, tensor] of initLoraAdapters(tinyConfig, allTargets, 5, 'float64')) if (name.endsWith('lora_B')) parameters.set(name, tensor);
    const { tokens } = randomBatch(tinyConfig, ROWS, TIME, 6);
    const [lora, base] = [await familyLogits(loraFamily(tinyConfig, allTargets), parameters, tokens), await familyLogits(gpt2Family(tinyConfig), parameters, tokens)];
    expect(largestDifference(lora, base)).toBe(0);
    const withB = spreadParameters(tinyConfig, allTargets, 5, 'float64');
    expect(largestDifference(await familyLogits(loraFamily(tinyConfig, allTargets), withB, tokens), base)).toBeGreaterThan(1e-3);
  });

  it('builds no gradient of a frozen base weight: the LoRA step skips every base dW product', () => {
    // blockSize 10 and B*T = 8 rows: no activation is shaped like a weight, so a weight-shaped product is a dW.
    const config = gpt2Config({ vocabSize: 50, nLayer: 2, nHead: 2, nEmbd: 12, blockSize: 10 });
    const options: LoraOptions = { rank: 4, alpha: 8, dropout: 0, targets: ['attn.c_attn', 'mlp.c_fc'] };
    const full = productWork(gpt2Family(config), undefined, stepOptions);
    const lora = productWork(loraFamily(config, options), loraAdapterNames(config, options), stepOptions);
    expect(full.weightShaped).toBe(1 + 4 * config.nLayer); // d(wte) through the tied head, dW of every linear
    expect(lora.weightShaped).toBe(0);
  });

  it('does about two thirds of the full step\'s matrix work at GPT-2 small\'s shapes (rank 8, c_attn)', () => {
    const config = gpt2Config({ vocabSize: 50257, nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024 });
    const options: LoraOptions = { rank: 8, alpha: 16, dropout: 0, targets: ['attn.c_attn'] };
    const shape = { ...stepOptions, batch: 4, time: 256 };
    const full = productWork(gpt2Family(config), undefined, shape);
    const lora = productWork(loraFamily(config, options), loraAdapterNames(config, options), shape);
    expect(lora.macs / full.macs).toBeLessThan(0.7);
    expect(lora.macs / full.macs).toBeGreaterThan(0.6);
  });

  it('refuses bad options and adapters under a name that is no linear layer', () => {
    expect(() => loraFamily(tinyConfig, { ...allTargets, rank: 0 })).toThrow(/lora: rank \(0\) must be a whole number of at least 1/);
    expect(() => loraFamily(tinyConfig, { ...allTargets, targets: [] })).toThrow(/lora: targets is empty; name at least one of attn.c_attn/);
    expect(() => loraFamily(tinyConfig, { ...allTargets, targets: ['attn.q' as 'attn.c_attn'] })).toThrow(/lora: target "attn.q" is not one of/);
    expect(() => loraFamily(tinyConfig, { ...allTargets, targets: ['self_attn.q_proj'] })).toThrow(/lora: targets \[self_attn.q_proj\] are not layers of this GPT-2 model; its linear layers are attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj/);
    expect(() => loraFamily(tinyConfig, { ...allTargets, targets: ['attn.c_attn', 'self_attn.q_proj'] })).toThrow(/mix GPT-2's layers .* and Llama's/);
    expect(() => loraFamily(tinyConfig, { ...allTargets, dropout: 1 })).toThrow(/lora: dropout \(1\) must be in \[0, 1\)/);
    const graph = new Graph({ name: 'bad-adapter' });
    const parameters = new Map(gpt2Family(tinyConfig).parameters.map((spec) => [spec.name, graph.input(spec.name, 'float32', spec.shape)]));
    const tokens = graph.input('tokens', 'int64', [1, 3]);
    expect(() => buildGpt2Forward(tinyConfig, { tokens, parameters, dropoutMasks: new Map(), linearAdapters: new Map([['transformer.h.2.attn.c_attn', (x) => x]]) }))
      .toThrow(/linear adapter "transformer.h.2.attn.c_attn" names no linear layer of this 2-layer model/);
  });
});

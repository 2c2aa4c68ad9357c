// Merging adapters into the base weights: W' = W + (alpha/r)·(B·A)ᵀ element by element, only the adapted weights
// change, and the merged plain GPT-2 gives the LoRA model's logits.

import { describe, expect, it } from 'vitest';
import { gpt2ParameterSpecs } from '../gpt2/parameters.ts';
import { numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { gpt2Family } from '../train/gpt2-family.ts';
import { loraFamily } from './lora-family.ts';
import { loraAdapterSites, type LoraOptions } from './lora-parameters.ts';
import { mergeLora } from './merge.ts';
import { allTargets, familyLogits, largestDifference, randomBatch, spreadParameters, tinyConfig } from './testing/lora-support.ts';

describe('mergeLora', () => {
  it('adds (alpha/r)·(B·A)ᵀ to each adapted [in, out] weight and leaves every other tensor as it was', () => {
    const options: LoraOptions = { ...allTargets, targets: ['attn.c_attn', 'mlp.c_proj'] };
    const parameters = spreadParameters(tinyConfig, options, 1, 'float64');
    const merged = mergeLora(tinyConfig, parameters, options);
    expect([...merged.keys()]).toEqual(gpt2ParameterSpecs(tinyConfig).map((spec) => spec.name));
    const sites = loraAdapterSites(tinyConfig, options);
    const adapted = new Set(sites.map((site) => `${site.prefix}.weight`));
    for (const [name, tensor] of merged) if (!adapted.has(name)) expect(tensor, name).toBe(parameters.get(name));
    for (const site of sites) {
      const values = (name: string) => numbersOf(parameters.get(name) as HostTensor);
      const [weight, a, b] = [values(`${site.prefix}.weight`), values(site.aName), values(site.bName)];
      const { inFeatures, outFeatures } = site;
      const expected = weight.map((value, index) => {
        const [i, o] = [Math.floor(index / outFeatures), index % outFeatures];
        let product = 0; // (B·A)[o][i]
        for (let k = 0; k < options.rank; k++) product += (b[o * options.rank + k] as number) * (a[k * inFeatures + i] as number);
        return value + (options.alpha / options.rank) * product;
      });
      const actual = merged.get(`${site.prefix}.weight`) as HostTensor;
      expect(actual.shape).toEqual([inFeatures, outFeatures]);
      expect(largestDifference(numbersOf(actual), expected), site.prefix).toBeLessThan(1e-12);
      expect(largestDifference(numbersOf(actual), weight), site.prefix).toBeGreaterThan(1e-2);
    }
  });

  it('gives a plain GPT-2 whose logits equal the LoRA model\'s (B non-zero, every target)', async () => {
    const parameters = spreadParameters(tinyConfig, allTargets, 2, 'float64');
    const { tokens } = randomBatch(tinyConfig, 2, 4, 3);
    const lora = await familyLogits(loraFamily(tinyConfig, allTargets), parameters, tokens);
    const merged = await familyLogits(gpt2Family(tinyConfig), mergeLora(tinyConfig, parameters, allTargets), tokens);
    const base = await familyLogits(gpt2Family(tinyConfig), parameters, tokens);
    expect(largestDifference(lora, merged)).toBeLessThan(1e-9);
    expect(largestDifference(lora, base)).toBeGreaterThan(1e-2);
  });

  it('names a missing tensor and a wrongly shaped adapter', () => {
    const parameters = spreadParameters(tinyConfig, allTargets, 1, 'float32');
    parameters.delete('transformer.h.1.mlp.c_fc.lora_B');
    expect(() => mergeLora(tinyConfig, parameters, allTargets)).toThrow(/mergeLora: parameter "transformer.h.1.mlp.c_fc.lora_B" is missing/);
    expect(() => mergeLora(tinyConfig, spreadParameters(tinyConfig, allTargets, 1, 'float32'), { ...allTargets, rank: 3 }))
      .toThrow(/mergeLora: "transformer.h.0.attn.c_attn.lora_A" has shape \[2,6\], expected \[3,6\]/);
  });
});

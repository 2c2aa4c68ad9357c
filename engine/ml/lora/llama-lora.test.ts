// LoRA on Llama: adapters on q/k/v/o and gate/up/down with GQA-sized k/v outputs, every adapter gradient against
// central finite differences, B = 0 gives the base logits, merging into [out, in] weights (W' = W + (alpha/r)·B·A)
// gives the LoRA model's logits, and PEFT's names for Llama (base_model.model.model.layers.N…, fan_in_fan_out false).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../export/safetensors.ts';
import { llamaConfig } from '../llama/config.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import { numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { llamaFamily } from '../train/llama-family.ts';
import { loraFamily } from './lora-family.ts';
import { initLoraAdapters, loraAdapterNames, loraAdapterSites, type LoraOptions } from './lora-parameters.ts';
import { mergeLora } from './merge.ts';
import { PEFT_FILES, readPeftAdapter, writePeftAdapter } from './peft-adapter.ts';
import { largestGradientError, ROWS, TIME } from './testing/lora-gradients.ts';
import { allLlamaTargets, familyLogits, largestDifference, randomBatch, spreadParameters, tinyConfig, tinyLlamaConfig } from './testing/lora-support.ts';

const config = tinyLlamaConfig;
const root = mkdtempSync(path.join(tmpdir(), 'crucible-llama-lora-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('LoRA on Llama', () => {
  it('puts A (rank, in) and B (out, rank) on each projection, k/v sized by the key/value heads', () => {
    const family = loraFamily(config, allLlamaTargets);
    expect(family.name).toBe('llama-lora');
    expect(family.parameters.slice(0, llamaFamily(config).parameters.length)).toEqual(llamaFamily(config).parameters);
    const adapters = family.parameters.filter((spec) => spec.name.includes('.lora_')).slice(0, 14);
    expect(adapters.map((spec) => [spec.name.replace('model.layers.0.', ''), ...spec.shape])).toEqual([
      ['self_attn.q_proj.lora_A', 2, 6], ['self_attn.q_proj.lora_B', 16, 2],
      ['self_attn.k_proj.lora_A', 2, 6], ['self_attn.k_proj.lora_B', 8, 2],
      ['self_attn.v_proj.lora_A', 2, 6], ['self_attn.v_proj.lora_B', 8, 2],
      ['self_attn.o_proj.lora_A', 2, 16], ['self_attn.o_proj.lora_B', 6, 2],
      ['mlp.gate_proj.lora_A', 2, 6], ['mlp.gate_proj.lora_B', 10, 2],
      ['mlp.up_proj.lora_A', 2, 6], ['mlp.up_proj.lora_B', 10, 2],
      ['mlp.down_proj.lora_A', 2, 10], ['mlp.down_proj.lora_B', 6, 2],
    ]);
    expect(family.parameters.every((spec) => !spec.name.includes('.lora_') || spec.decays === false)).toBe(true);
  });

  it('every adapter gradient matches central finite differences (all seven targets, GQA, untied head)', async () => {
    const { error, checked } = await largestGradientError(config, allLlamaTargets, 3);
    expect(checked).toBe(config.nLayer * 2 * ((6 + 16) + (6 + 8) * 2 + (16 + 6) + (6 + 10) * 2 + (10 + 6)));
    expect(error).toBeLessThan(1e-6);
  });

  it('every adapter gradient matches with attention dropout and adapter dropout masks', async () => {
    const withDropout = llamaConfig({ ...config, dropout: 0.2 });
    const options: LoraOptions = { ...allLlamaTargets, dropout: 0.3, targets: ['self_attn.v_proj', 'mlp.down_proj'] };
    const masks = loraFamily(withDropout, options).sampleDropoutMasks(ROWS, TIME, createRandom(1));
    expect(Object.keys(masks)).toEqual(expect.arrayContaining(['dropout.layers.1.attn', 'dropout.lora.layers.0.self_attn.v_proj', 'dropout.lora.layers.1.mlp.down_proj']));
    expect(masks['dropout.lora.layers.1.mlp.down_proj']?.shape).toEqual([ROWS, TIME, 10]);
    const { error } = await largestGradientError(withDropout, options, 4);
    expect(error).toBeLessThan(1e-6);
  });

  it('gives the base logits while B is zero, and the merged model gives the LoRA logits', async () => {
    const parameters = spreadParameters(config, allLlamaTargets, 5, 'float64');
    const { tokens } = randomBatch(config, 2, 4, 6);
    const base = await familyLogits(llamaFamily(config), parameters, tokens);
    const lora = await familyLogits(loraFamily(config, allLlamaTargets), parameters, tokens);
    const merged = await familyLogits(llamaFamily(config), mergeLora(config, parameters, allLlamaTargets), tokens);
    expect(largestDifference(lora, merged)).toBeLessThan(1e-9);
    expect(largestDifference(lora, base)).toBeGreaterThan(1e-2);
    for (const [name, tensor] of initLoraAdapters(config, allLlamaTargets, 5, 'float64')) if (name.endsWith('lora_B')) parameters.set(name, tensor);
    expect(largestDifference(await familyLogits(loraFamily(config, allLlamaTargets), parameters, tokens), base)).toBe(0);
  });

  it('merges W\' = W + (alpha/r)·B·A into each [out, in] weight and leaves the others untouched', () => {
    const options: LoraOptions = { ...allLlamaTargets, targets: ['self_attn.k_proj', 'mlp.gate_proj'] };
    const parameters = spreadParameters(config, options, 1, 'float64');
    const merged = mergeLora(config, parameters, options);
    expect([...merged.keys()]).toEqual(llamaParameterSpecs(config).map((spec) => spec.name));
    const sites = loraAdapterSites(config, options);
    const adapted = new Set(sites.map((site) => `${site.prefix}.weight`));
    for (const [name, tensor] of merged) if (!adapted.has(name)) expect(tensor, name).toBe(parameters.get(name));
    for (const site of sites) {
      const values = (name: string) => numbersOf(parameters.get(name) as HostTensor);
      const [weight, a, b] = [values(`${site.prefix}.weight`), values(site.aName), values(site.bName)];
      const expected = weight.map((value, index) => {
        const [o, i] = [Math.floor(index / site.inFeatures), index % site.inFeatures];
        let product = 0;
        for (let k = 0; k < options.rank; k++) product += (b[o * options.rank + k] as number) * (a[k * site.inFeatures + i] as number);
        return value + (options.alpha / options.rank) * product;
      });
      const actual = merged.get(`${site.prefix}.weight`) as HostTensor;
      expect(actual.shape).toEqual([site.outFeatures, site.inFeatures]);
      expect(largestDifference(numbersOf(actual), expected), site.prefix).toBeLessThan(1e-12);
    }
  });

  it('writes and reads PEFT\'s Llama adapter: names under base_model.model.model.layers, short target_modules, fan_in_fan_out false', () => {
    const folder = path.join(root, 'adapter');
    const options: LoraOptions = { rank: 2, alpha: 16, dropout: 0.05, targets: ['self_attn.q_proj', 'self_attn.v_proj', 'mlp.down_proj'] };
    const parameters = spreadParameters(config, options, 2, 'float32');
    writePeftAdapter(folder, parameters, options, 'HuggingFaceTB/SmolLM2-135M-Instruct');
    const { tensors } = readSafetensors(path.join(folder, PEFT_FILES.weights));
    expect([...tensors.keys()].slice(0, 6)).toEqual([
      'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight', 'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight',
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
      'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight', 'base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight',
    ]);
    expect(tensors.size).toBe(12);
    expect(tensors.get('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight')?.shape).toEqual([8, 2]);
    const adapterConfig = JSON.parse(readFileSync(path.join(folder, PEFT_FILES.config), 'utf8'));
    expect(adapterConfig).toMatchObject({ peft_type: 'LORA', r: 2, lora_alpha: 16, target_modules: ['q_proj', 'v_proj', 'down_proj'], fan_in_fan_out: false, base_model_name_or_path: 'HuggingFaceTB/SmolLM2-135M-Instruct' });
    const read = readPeftAdapter(folder);
    expect(read.options).toEqual(options);
    for (const name of loraAdapterNames(config, options)) expect(read.adapters.get(name)?.data, name).toEqual(parameters.get(name)?.data);
  });

  it('refuses GPT-2 targets on a Llama and Llama targets on a GPT-2, naming the model\'s own layers', () => {
    expect(() => loraFamily(config, { ...allLlamaTargets, targets: ['attn.c_attn'] })).toThrow(/lora: targets \[attn.c_attn\] are not layers of this Llama model; its linear layers are self_attn.q_proj, self_attn.k_proj/);
    expect(() => loraAdapterNames(tinyConfig, { ...allLlamaTargets, targets: ['mlp.up_proj'] })).toThrow(/are not layers of this GPT-2 model/);
  });
});

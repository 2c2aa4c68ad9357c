// PEFT's adapter files: tensor names and shapes as PeftModel saves them for GPT-2, the config fields PEFT reads,
// target_modules that select exactly the trained layers, a lossless round trip, and clear refusals.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSafetensors } from '../export/safetensors.ts';
import { loraAdapterNames, type LoraOptions } from './lora-parameters.ts';
import { PEFT_FILES, peftTargetModules, readPeftAdapter, writePeftAdapter } from './peft-adapter.ts';
import { spreadParameters, tinyConfig } from './testing/lora-support.ts';

const options: LoraOptions = { rank: 2, alpha: 16, dropout: 0.05, targets: ['attn.c_attn', 'mlp.c_fc'] };
const folders: string[] = [];
const newFolder = () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crucible-peft-'));
  folders.push(folder);
  return folder;
};
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('PEFT adapter files', () => {
  it('writes PEFT names and shapes (lora_A [r, in], lora_B [out, r]) and only the adapters of a full parameter set', () => {
    const folder = newFolder();
    const parameters = spreadParameters(tinyConfig, options, 1, 'float32');
    expect(writePeftAdapter(folder, parameters, options, 'gpt2')).toEqual([PEFT_FILES.config, PEFT_FILES.weights]);
    const { tensors, metadata } = readSafetensors(path.join(folder, PEFT_FILES.weights));
    expect(metadata).toEqual({ format: 'pt' });
    const shapes = Object.fromEntries([...tensors].map(([name, tensor]) => [name, [tensor.dtype, ...tensor.shape]]));
    expect(shapes).toEqual({
      'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight': ['float32', 2, 6],
      'base_model.model.transformer.h.0.attn.c_attn.lora_B.weight': ['float32', 18, 2],
      'base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight': ['float32', 2, 6],
      'base_model.model.transformer.h.0.mlp.c_fc.lora_B.weight': ['float32', 24, 2],
      'base_model.model.transformer.h.1.attn.c_attn.lora_A.weight': ['float32', 2, 6],
      'base_model.model.transformer.h.1.attn.c_attn.lora_B.weight': ['float32', 18, 2],
      'base_model.model.transformer.h.1.mlp.c_fc.lora_A.weight': ['float32', 2, 6],
      'base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight': ['float32', 24, 2],
    });
    const config = JSON.parse(readFileSync(path.join(folder, PEFT_FILES.config), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['c_attn', 'c_fc'],
      fan_in_fan_out: true, bias: 'none', base_model_name_or_path: 'gpt2', inference_mode: true, init_lora_weights: true,
      modules_to_save: null, use_rslora: false, use_dora: false,
    });
  });

  it('round-trips adapters and options exactly, float64 adapters stored as float32', () => {
    const folder = newFolder();
    const parameters = spreadParameters(tinyConfig, options, 2, 'float64');
    const adapters = new Map(loraAdapterNames(tinyConfig, options).map((name) => [name, parameters.get(name)!]));
    writePeftAdapter(folder, adapters, options, 'openai-community/gpt2');
    const read = readPeftAdapter(folder);
    expect(read.options).toEqual(options);
    expect(read.baseModel).toBe('openai-community/gpt2');
    expect([...read.adapters.keys()].sort()).toEqual([...adapters.keys()].sort());
    for (const [name, tensor] of adapters) {
      expect(read.adapters.get(name)?.shape, name).toEqual(tensor.shape);
      expect(read.adapters.get(name)?.data, name).toEqual(Float32Array.from(tensor.data as Float64Array));
    }
  });

  it('names modules short where that selects exactly the trained layers, qualified where c_proj would match both', () => {
    expect(peftTargetModules(['attn.c_attn'])).toEqual(['c_attn']);
    expect(peftTargetModules(['attn.c_proj', 'mlp.c_proj'])).toEqual(['c_proj']);
    expect(peftTargetModules(['mlp.c_fc', 'attn.c_proj'])).toEqual(['attn.c_proj', 'c_fc']);
    expect(peftTargetModules(['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'])).toEqual(['c_attn', 'c_proj', 'c_fc']);
    const folder = newFolder();
    const single: LoraOptions = { ...options, targets: ['mlp.c_proj'] };
    writePeftAdapter(folder, spreadParameters(tinyConfig, single, 3, 'float32'), single, 'gpt2');
    expect(readPeftAdapter(folder).options.targets).toEqual(['mlp.c_proj']);
  });

  it('refuses adapters that do not fit the options, and adapter folders it cannot apply', () => {
    const parameters = spreadParameters(tinyConfig, options, 1, 'float32');
    expect(() => writePeftAdapter(newFolder(), parameters, { ...options, rank: 3 }, 'gpt2')).toThrow(/"transformer.h.0.attn.c_attn.lora_A" has shape \[2,6\]; lora_A must be \[rank, in\] with rank 3/);
    expect(() => writePeftAdapter(newFolder(), parameters, { ...options, targets: ['attn.c_attn'] }, 'gpt2')).toThrow(/adapter on mlp.c_fc, which options.targets \[attn.c_attn\] does not list/);
    parameters.delete('transformer.h.1.mlp.c_fc.lora_B');
    expect(() => writePeftAdapter(newFolder(), parameters, options, 'gpt2')).toThrow(/every target needs lora_A and lora_B in the same layers/);
    expect(() => writePeftAdapter(newFolder(), new Map(), options, 'gpt2')).toThrow(/no lora_A \/ lora_B tensor/);

    const folder = newFolder();
    writePeftAdapter(folder, spreadParameters(tinyConfig, options, 1, 'float32'), options, 'gpt2');
    const configPath = path.join(folder, PEFT_FILES.config);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, JSON.stringify({ ...config, use_dora: true }));
    expect(() => readPeftAdapter(folder)).toThrow(/use_dora is true; only plain LoRA/);
    writeFileSync(configPath, JSON.stringify({ ...config, target_modules: ['q_proj'] }));
    expect(() => readPeftAdapter(folder)).toThrow(/target_modules \["q_proj"\] name no GPT-2 linear layer/);
    writeFileSync(configPath, JSON.stringify({ ...config, peft_type: 'IA3' }));
    expect(() => readPeftAdapter(folder)).toThrow(/peft_type is "IA3"; only LORA adapters can be read/);
  });
});

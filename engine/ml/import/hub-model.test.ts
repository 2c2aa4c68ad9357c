// Reading hub GPT-2 folders: the naming variants, dtypes and sharding real checkpoints use all read to the same
// parameters, and every folder Crucible cannot import is refused with the file, the field or tensor, and a fix.

import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors, readSafetensors } from '../export/safetensors.ts';
import { gpt2Config, type Gpt2ConfigInput } from '../gpt2/config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { readHubModel } from './hub-model.ts';
import { writeHubGpt2Folder, writePickleOnlyFolder, type HubGpt2FolderOptions } from './testing/hub-folder.ts';

const TINY: Gpt2ConfigInput = { vocabSize: 300, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 32 };
const root = mkdtempSync(path.join(tmpdir(), 'crucible-hub-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
function hubFolder(options: Partial<HubGpt2FolderOptions> = {}): string {
  const dir = path.join(root, `hub-${folders++}`);
  writeHubGpt2Folder(dir, { config: TINY, seed: 7, ...options });
  return dir;
}

function patchJson(file: string, patch: Record<string, unknown>): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete json[key];
    else json[key] = value;
  }
  writeFileSync(file, JSON.stringify(json));
}

function failureOf(folder: string): string {
  try {
    readHubModel(folder);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${folder} was read`);
}

function expectSameParameters(actual: ParameterSet, expected: ParameterSet): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, tensor] of expected) expect(actual.get(name)?.data, name).toEqual(tensor.data);
}

const reference = readHubModel(hubFolder());

describe('readHubModel reads what hub folders hold', () => {
  it('a single F32 model.safetensors with prefixed names: the config, float32 parameters and tokenizer files', () => {
    expect(reference.architecture).toBe('GPT2LMHeadModel');
    expect(reference.config).toEqual(gpt2Config({ ...TINY, dropout: 0, bias: true }));
    expect(reference.sourceDtype).toBe('F32');
    expect(reference.parameters.get('transformer.h.1.attn.c_attn.weight')?.shape).toEqual([16, 48]);
    expect(reference.parameters.get('transformer.h.1.attn.c_attn.weight')?.dtype).toBe('float32');
    expect(reference.tokenizerJsonPath).toBe(path.join(reference.folder, 'tokenizer.json'));
    expect(reference.tokenizerConfigJsonPath).toBe(path.join(reference.folder, 'tokenizer_config.json'));
    expect(reference.chatTemplate).toBeNull();
  });

  it('prefix-less names, the attn.bias / attn.masked_bias buffers and a stored tied lm_head give the same parameters', () => {
    const model = readHubModel(hubFolder({ prefixed: false, buffers: true, lmHead: true }));
    expectSameParameters(model.parameters, reference.parameters);
    expect(model.parameters.has('lm_head.weight')).toBe(false);
  });

  it('a sharded index (model.safetensors.index.json + 3 shards) gives the same parameters', () => {
    const dir = hubFolder({ shards: 3, buffers: true, prefixed: false });
    const index = JSON.parse(readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(new Set(Object.values(index.weight_map)).size).toBe(3);
    expectSameParameters(readHubModel(dir).parameters, reference.parameters);
  });

  for (const [dtype, relative, floor] of [['BF16', 2 ** -8, 0], ['F16', 2 ** -11, 2 ** -25]] as const) {
    it(`${dtype} weights arrive as float32 within ${dtype}'s precision`, () => {
      const model = readHubModel(hubFolder({ dtype, shards: 2 }));
      expect(model.sourceDtype).toBe(dtype);
      for (const [name, tensor] of reference.parameters) {
        const read = model.parameters.get(name)?.data as Float32Array;
        expect(read).toBeInstanceOf(Float32Array);
        const worst = (tensor.data as Float32Array).reduce((excess, value, index) => Math.max(excess, Math.abs((read[index] as number) - value) - Math.max(Math.abs(value) * relative, floor)), -1);
        expect(worst, name).toBeLessThanOrEqual(0);
      }
    });
  }

  it('dropout comes from resid_pdrop and the LayerNorm epsilon from layer_norm_epsilon', () => {
    const dir = hubFolder();
    patchJson(path.join(dir, 'config.json'), { resid_pdrop: 0.1, layer_norm_epsilon: 1e-6 });
    expect(readHubModel(dir).config).toMatchObject({ dropout: 0.1, layerNormEpsilon: 1e-6 });
  });

  it('chat_template: a string, or a list of named templates (the one named "default")', () => {
    expect(readHubModel(hubFolder({ chatTemplate: '{{ messages }}' })).chatTemplate).toBe('{{ messages }}');
    const dir = hubFolder();
    patchJson(path.join(dir, 'tokenizer_config.json'), { chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }] });
    expect(readHubModel(dir).chatTemplate).toBe('D');
    patchJson(path.join(dir, 'tokenizer_config.json'), { chat_template: [{ name: 'rag', template: 'R' }] });
    expect(() => readHubModel(dir)).toThrow(/without a template named "default".*\["rag"\]/);
    unlinkSync(path.join(dir, 'tokenizer_config.json'));
    expect(readHubModel(dir)).toMatchObject({ chatTemplate: null, tokenizerConfigJsonPath: null });
  });
});

describe('readHubModel refuses what it cannot import, saying what and what to do', () => {
  it('a pickle-only folder, without opening the pickle', () => {
    const dir = path.join(root, 'pickle');
    writePickleOnlyFolder(dir);
    const message = failureOf(dir);
    expect(message).toContain('PyTorch pickle files (pytorch_model.bin)');
    expect(message).toContain('never loads pickle files, because opening one can run arbitrary code');
    expect(message).toContain('save_pretrained(OUT, safe_serialization=True)');
  });

  it('an unsupported architecture, or a model_type that disagrees with it, naming it and the supported ones', () => {
    const dir = hubFolder();
    patchJson(path.join(dir, 'config.json'), { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' });
    expect(failureOf(dir)).toBe(`${path.join(dir, 'config.json')}: architecture "Qwen2ForCausalLM" is not supported; Crucible imports GPT2LMHeadModel (model_type "gpt2") and LlamaForCausalLM (model_type "llama") models`);
    patchJson(path.join(dir, 'config.json'), { architectures: undefined, model_type: 'mistral' });
    expect(failureOf(dir)).toMatch(/model_type "mistral" — not a model Crucible can import; Crucible imports GPT2LMHeadModel/);
    patchJson(path.join(dir, 'config.json'), { architectures: ['LlamaForCausalLM'], model_type: 'gpt2' });
    expect(failureOf(dir)).toMatch(/model_type "gpt2" \(architectures says LlamaForCausalLM, whose model_type is "llama"\) — not a model/);
  });

  it('a missing tokenizer.json, and one with more ids than the embedding has rows', () => {
    const dir = hubFolder();
    unlinkSync(path.join(dir, 'tokenizer.json'));
    expect(failureOf(dir)).toBe(`${dir}: tokenizer.json is missing; a model imports with its own tokenizer — download tokenizer.json from the model's repository into this folder`);
    const small = hubFolder({ config: { ...TINY, vocabSize: 280 }, tokenizerJsonPath: path.join(hubFolder(), 'tokenizer.json') });
    expect(failureOf(small)).toMatch(/tokenizer\.json: the tokenizer produces ids up to 299 but config\.json's vocab_size is 280/);
  });

  it('a tensor whose shape disagrees with config.json, naming it with expected and found shapes and the file', () => {
    const dir = hubFolder({ prefixed: false });
    patchJson(path.join(dir, 'config.json'), { n_positions: 16, n_ctx: 16 });
    expect(failureOf(dir)).toBe(`${path.join(dir, 'model.safetensors')}: tensor "wpe.weight" has shape [32,16], expected [16,16] (config.json: vocab_size 300, n_positions 16, n_embd 16, n_layer 2); the weights and config.json do not belong together — use the config.json that came with these weights`);
  });

  it('a missing tensor and an unknown extra one, by name', () => {
    const dir = hubFolder();
    const file = path.join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    tensors.delete('transformer.h.1.mlp.c_fc.bias');
    writeSafetensors(file, tensors);
    expect(failureOf(dir)).toMatch(/model\.safetensors: tensor "transformer\.h\.1\.mlp\.c_fc\.bias" \(or "h\.1\.mlp\.c_fc\.bias"\) is missing, expected shape \[64\]/);
    tensors.set('transformer.h.1.mlp.c_fc.bias', { dtype: 'float32', shape: [64], data: new Float32Array(64) });
    tensors.set('transformer.h.0.attn.rotary_emb.inv_freq', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    writeSafetensors(file, tensors);
    expect(failureOf(dir)).toMatch(/model\.safetensors: 1 tensor\(s\) a GPT2LMHeadModel does not have: "transformer\.h\.0\.attn\.rotary_emb\.inv_freq"/);
  });

  it('a weight that is NaN or infinite', () => {
    const dir = hubFolder({ prefixed: false });
    const file = path.join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    (tensors.get('h.0.ln_2.weight')?.data as Float32Array)[3] = Infinity;
    writeSafetensors(file, tensors);
    expect(failureOf(dir)).toMatch(/model\.safetensors: tensor "h\.0\.ln_2\.weight" holds Infinity at element 3; the checkpoint is damaged/);
  });

  it('an untied lm_head', () => {
    const dir = hubFolder({ lmHead: true });
    const file = path.join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    (tensors.get('lm_head.weight')?.data as Float32Array)[16 * 5] = 1;
    writeSafetensors(file, tensors);
    expect(failureOf(dir)).toMatch(/tensor "lm_head\.weight" differs from the token embedding wte \(first at row 5\); this model has an untied output head, which Crucible does not support/);
  });

  it('a sharded index with a missing shard, or a tensor its shard does not hold', () => {
    const dir = hubFolder({ shards: 2 });
    const indexFile = path.join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.weight_map['transformer.wte.weight'] = 'model-00002-of-00002.safetensors';
    writeFileSync(indexFile, JSON.stringify(index));
    expect(failureOf(dir)).toBe(`${indexFile}: weight_map puts tensor "transformer.wte.weight" in model-00002-of-00002.safetensors, which does not hold it; the index and its shards do not match — re-download them together`);
    unlinkSync(path.join(dir, 'model-00002-of-00002.safetensors'));
    expect(failureOf(dir)).toMatch(/shard model-00002-of-00002\.safetensors \(holding tensor "[^"]+"\) is missing/);
    index.weight_map['transformer.wte.weight'] = '../outside.safetensors';
    writeFileSync(indexFile, JSON.stringify(index));
    expect(failureOf(dir)).toMatch(/not a \.safetensors file name in this folder/);
  });

  const configCases: [string, Record<string, unknown>, RegExp][] = [
    ['n_embd not divisible by n_head', { n_head: 3 }, /field "n_embd" \(16\) must be divisible by n_head \(3\)/],
    ['an MLP other than 4x', { n_inner: 32 }, /field "n_inner" is 32; Crucible supports GPT-2's MLP of 4 × n_embd \(64\) only/],
    ['an unsupported activation', { activation_function: 'relu' }, /field "activation_function" is "relu"; Crucible computes GELU's tanh approximation/],
    ['a missing size', { n_layer: undefined }, /field "n_layer" is missing; a GPT-2 config\.json needs/],
    ['n_ctx different from n_positions', { n_ctx: 64 }, /field "n_ctx" \(64\) differs from n_positions \(32\)/],
    ['a size that is not a positive integer', { n_head: 0 }, /field "n_head" must be a positive integer, found 0/],
  ];
  for (const [what, patch, expected] of configCases) {
    it(`a config.json with ${what}`, () => {
      const dir = hubFolder();
      patchJson(path.join(dir, 'config.json'), patch);
      const message = failureOf(dir);
      expect(message).toMatch(expected);
      expect(message.startsWith(`${path.join(dir, 'config.json')}: `)).toBe(true);
    });
  }
});

describe('writeHubGpt2Folder', () => {
  it('gives a vocabulary below 257 a char tokenizer whose end-of-text token config.json names', () => {
    const dir = hubFolder({ config: { ...TINY, vocabSize: 64 } });
    const model = readHubModel(dir);
    expect(model.config.vocabSize).toBe(64);
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const tokenizer = JSON.parse(readFileSync(model.tokenizerJsonPath, 'utf8'));
    expect(tokenizer.added_tokens.find((token: { id: number }) => token.id === config.eos_token_id)?.content).toBe('<|endoftext|>');
  });
});

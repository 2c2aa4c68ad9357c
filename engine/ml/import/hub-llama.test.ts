// Reading Llama-family hub folders in SmolLM2's layout: the config (rope_theta or rope_parameters, GQA, head_dim,
// tied head, token ids), the weights under HF's names in any dtype and sharding, the Digits + ByteLevel tokenizer and
// its chat template; and every folder that would compute something else refused with the field and what to do.

import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { llamaConfig } from '../llama/config.ts';
import { initLlamaParameters, llamaParameterSpecs } from '../llama/parameters.ts';
import { writeSafetensors, readSafetensors } from '../export/safetensors.ts';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import { readHubModel } from './hub-model.ts';
import { SMOLLM2_CHAT_TEMPLATE, TINY_SMOLLM2, writeHubLlamaFolder, type HubLlamaFolderOptions } from './testing/hub-llama-folder.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-hub-llama-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = llamaConfig(TINY_SMOLLM2);
const exact = initLlamaParameters(config, 11);
let folders = 0;
function hubFolder(options: HubLlamaFolderOptions = {}): string {
  const dir = path.join(root, `hub-${folders++}`);
  writeHubLlamaFolder(dir, { parameters: exact, ...options });
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

describe('readHubModel reads Llama-family folders in SmolLM2\'s layout', () => {
  const dir = hubFolder();
  const model = readHubModel(dir);

  it('config.json → LlamaConfig: GQA heads, head_dim, intermediate size, rope_theta, eps, tied head; token ids', () => {
    expect(model.architecture).toBe('LlamaForCausalLM');
    expect(model.config).toEqual(config);
    expect(model.config).toMatchObject({ architecture: 'llama', nHead: 6, nKvHead: 2, headDim: 8, intermediateSize: 128, ropeTheta: 100000, tieEmbeddings: true });
    expect(model.tokenIds).toEqual({ bos: 1, eos: 2 });
    expect(model.sourceDtype).toBe('F32');
  });

  it('weights under HF names, exactly as written, with no lm_head for the tied head', () => {
    expect([...model.parameters.keys()]).toEqual(llamaParameterSpecs(config).map((spec) => spec.name));
    expect(model.parameters.has('lm_head.weight')).toBe(false);
    for (const [name, tensor] of exact) expect(model.parameters.get(name)?.data, name).toEqual(tensor.data);
    expect(model.parameters.get('model.layers.1.self_attn.k_proj.weight')?.shape).toEqual([16, 48]);
  });

  it('the tokenizer (Digits then ByteLevel, specials at 0-2) and SmolLM2\'s chat template', () => {
    const tokenizer = loadHuggingFaceTokenizer(readFileSync(model.tokenizerJsonPath, 'utf8'));
    expect(tokenizer.encode('<|im_start|>user\n42<|im_end|>').slice(0, 1)).toEqual([1]);
    expect(tokenizer.encode('42').map((id) => tokenizer.tokenOf(id))).toEqual(['4', '2']);
    expect(model.chatTemplate).toBe(SMOLLM2_CHAT_TEMPLATE);
  });

  it('sharded BF16 with the old rotary inv_freq buffers and a stored tied head: the same parameters within BF16', () => {
    const other = readHubModel(hubFolder({ shards: 3, dtype: 'BF16', rotaryBuffers: true, storedTiedHead: true }));
    expect(other.sourceDtype).toBe('BF16');
    expect([...other.parameters.keys()]).toEqual([...model.parameters.keys()]);
    for (const [name, tensor] of model.parameters) {
      const read = other.parameters.get(name)!.data as Float32Array;
      (tensor.data as Float32Array).forEach((value, index) => expect(Math.abs((read[index] as number) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -8));
    }
  });

  it('newer transformers\' rope_parameters read as rope_theta; an untied head is read as lm_head.weight', () => {
    expect(readHubModel(hubFolder({ ropeParameters: true })).config).toEqual(config);
    const untied = llamaConfig({ ...TINY_SMOLLM2, tieEmbeddings: false, nKvHead: 6 });
    const weights = initLlamaParameters(untied, 5);
    const read = readHubModel(hubFolder({ config: { ...TINY_SMOLLM2, tieEmbeddings: false, nKvHead: 6 }, parameters: weights, instruct: false, chatTemplate: null }));
    expect(read.config).toEqual(untied);
    expect(read.parameters.get('lm_head.weight')?.data).toEqual(weights.get('lm_head.weight')?.data);
    expect(read.tokenIds).toEqual({ bos: 0, eos: 0 });
    expect(read.chatTemplate).toBeNull();
  });

  it('head_dim absent → hidden_size / num_attention_heads; num_key_value_heads absent → multi-head attention', () => {
    const dir = hubFolder({ config: { ...TINY_SMOLLM2, nKvHead: 6 }, parameters: initLlamaParameters(llamaConfig({ ...TINY_SMOLLM2, nKvHead: 6 }), 1) });
    patchJson(path.join(dir, 'config.json'), { head_dim: undefined, num_key_value_heads: undefined });
    expect(readHubModel(dir).config).toMatchObject({ nKvHead: 6, headDim: 8 });
  });
});

describe('readHubModel refuses Llama folders it cannot compute exactly', () => {
  const configFile = (dir: string) => path.join(dir, 'config.json');
  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['Llama 3.x rope_scaling', { rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, /field "rope_scaling" asks for RoPE scaling "llama3"; Crucible computes plain rotary embeddings \(rope_type "default"\) only/],
    ['older rope_scaling {type: linear}', { rope_scaling: { type: 'linear', factor: 2 } }, /field "rope_scaling" asks for RoPE scaling "linear"/],
    ['rope_parameters yarn', { rope_theta: undefined, rope_parameters: { rope_type: 'yarn', rope_theta: 10000, factor: 4 } }, /field "rope_parameters.rope_type" asks for RoPE scaling "yarn"/],
    ['rope_parameters yarn written with "type"', { rope_theta: undefined, rope_parameters: { type: 'yarn', rope_theta: 10000, factor: 4 } }, /field "rope_parameters.type" asks for RoPE scaling "yarn"/],
    ['rope_parameters disagreeing with rope_theta', { rope_parameters: { rope_type: 'default', rope_theta: 5 } }, /"rope_parameters.rope_theta" \(5\) differs from rope_theta \(100000\)/],
    ['another activation', { hidden_act: 'gelu' }, /field "hidden_act" is "gelu"; Crucible's Llama computes SwiGLU with SiLU/],
    ['nanotron interleaved rotary', { rope_interleaved: true }, /field "rope_interleaved" is true/],
    ['KV heads that do not divide the heads', { num_key_value_heads: 4 }, /field "num_key_value_heads" \(4\) must divide num_attention_heads \(6\)/],
    ['a missing size', { intermediate_size: undefined }, /field "intermediate_size" is missing; a Llama config.json needs vocab_size, hidden_size, intermediate_size/],
  ];
  for (const [what, patch, message] of refusals) {
    it(what, () => {
      const dir = hubFolder();
      patchJson(configFile(dir), patch);
      const failure = failureOf(dir);
      expect(failure.startsWith(`${configFile(dir)}: `), failure).toBe(true);
      expect(failure).toMatch(message);
    });
  }

  it('weights that do not match: a missing tensor, K as if multi-head, no lm_head for an untied head', () => {
    const dir = hubFolder();
    const file = path.join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    const without = new Map(tensors);
    without.delete('model.layers.1.mlp.up_proj.weight');
    writeSafetensors(file, without);
    expect(failureOf(dir)).toMatch(/tensor "model\.layers\.1\.mlp\.up_proj\.weight" is missing, expected shape \[128,48\] \(config.json: .*num_key_value_heads 2/);
    patchJson(configFile(dir), { num_key_value_heads: 6 });
    writeSafetensors(file, tensors);
    expect(failureOf(dir)).toMatch(/tensor "model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[16,48\], expected \[48,48\]/);
    patchJson(configFile(dir), { num_key_value_heads: 2, tie_word_embeddings: false });
    expect(failureOf(dir)).toMatch(/tensor "lm_head\.weight" is missing, expected shape \[320,48\]/);
  });

  it('a stored head that differs from the embedding while config.json ties them', () => {
    const dir = hubFolder({ storedTiedHead: true });
    const file = path.join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    const head = tensors.get('lm_head.weight')!;
    const changed = Float32Array.from(head.data as Float32Array);
    changed[48 * 7] = (changed[48 * 7] as number) + 1;
    writeSafetensors(file, new Map([...tensors, ['lm_head.weight', { ...head, data: changed }]]));
    expect(failureOf(dir)).toMatch(/tensor "lm_head\.weight" differs from the token embedding model\.embed_tokens\.weight \(first at row 7\); config.json says tie_word_embeddings true/);
  });

  it('tokenizers it cannot reproduce: Llama 3\'s Split pattern, and SentencePiece (tokenizer.model only, or Metaspace)', () => {
    const dir = hubFolder();
    const tokenizerPath = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(readFileSync(tokenizerPath, 'utf8'));
    writeFileSync(tokenizerPath, JSON.stringify({ ...json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\p{N}{1,3}' }, behavior: 'Isolated' }, { type: 'ByteLevel', use_regex: false }] } }));
    expect(failureOf(dir)).toMatch(/pre_tokenizer Sequence \[Split, ByteLevel\] is not supported/);
    writeFileSync(tokenizerPath, JSON.stringify({ ...json, normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }] }, pre_tokenizer: null, model: { ...json.model, byte_fallback: true } }));
    expect(failureOf(dir)).toMatch(/SentencePiece-style tokenizer \(as Llama 2, TinyLlama and Mistral have\); Crucible imports models whose tokenizer is a byte-level BPE/);
    unlinkSync(tokenizerPath);
    writeFileSync(path.join(dir, 'tokenizer.model'), 'not read');
    expect(existsSync(tokenizerPath)).toBe(false);
    expect(failureOf(dir)).toMatch(/tokenizer.json is missing and the folder has a SentencePiece tokenizer.model only/);
  });
});

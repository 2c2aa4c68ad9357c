// The export folders: GGUF in LM Studio's publisher/model layout with its Modelfile and card, llama.cpp's gpt2 keys
// with the types its loader insists on and its tensors under its names (Conv1D weights transposed); matrices whose
// rows are not whole blocks kept F32 and named; a clean Hugging Face repository transformers.js loads offline.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeTinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import { DecoderSession } from './decoder-session.ts';
import { exportModel } from './export-model.ts';
import { decodeGgml } from './gguf/ggml-types.ts';
import { readGguf } from './gguf/testing/read-gguf.ts';
import { MODEL_FILES, readModelFolder } from './model-folder.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-export-model-'));
const tiny = writeTinyModelFolder({ nEmbd: 32, blockSize: 64 });
const narrow = writeTinyModelFolder({ nEmbd: 48, blockSize: 64 });
afterAll(() => {
  tiny.remove();
  narrow.remove();
  rmSync(root, { recursive: true, force: true });
});

const exportTo = (folder: string, options: Partial<Parameters<typeof exportModel>[0]> = {}) => {
  const outputFolder = path.join(root, `${options.format ?? 'gguf'}-${options.quantization ?? 'q8_0'}-${Math.random().toString(36).slice(2)}`);
  return { outputFolder, outcome: exportModel({ modelFolder: folder, outputFolder, format: 'gguf', quantization: 'q8_0', name: 'bard', ...options }) };
};

describe('GGUF export', () => {
  it('lays out crucible/<name>/<name>-<TYPE>.gguf with the Modelfile beside it and the card on top', () => {
    const { outputFolder, outcome } = exportTo(tiny.folder);
    expect(outcome.files).toEqual(['README.md', 'crucible/bard/bard-Q8_0.gguf', 'crucible/bard/Modelfile']);
    expect(readdirSync(outputFolder).sort()).toEqual(['README.md', 'crucible']);
    expect(outcome.command).toBe('ollama create bard -f crucible/bard/Modelfile');
    expect(readFileSync(path.join(outputFolder, 'crucible/bard/Modelfile'), 'utf8')).toMatch(/^FROM \.\/bard-Q8_0\.gguf$/m);
    expect(readFileSync(path.join(outputFolder, 'README.md'), 'utf8')).toContain('`ollama create bard -f crucible/bard/Modelfile`');
  });

  it("writes llama.cpp's gpt2 keys with the types its loader checks, and the tokenizer", () => {
    const { outputFolder } = exportTo(tiny.folder);
    const { metadata } = readGguf(path.join(outputFolder, 'crucible/bard/bard-Q8_0.gguf'));
    const typed = (key: string) => metadata.get(key);
    expect(typed('general.architecture')).toEqual({ type: 'string', value: 'gpt2' });
    expect(typed('general.name')).toEqual({ type: 'string', value: 'bard' });
    expect(typed('general.file_type')).toEqual({ type: 'uint32', value: 7 });
    expect(typed('gpt2.context_length')).toEqual({ type: 'uint32', value: 64 });
    expect(typed('gpt2.embedding_length')).toEqual({ type: 'uint32', value: 32 });
    expect(typed('gpt2.feed_forward_length')).toEqual({ type: 'uint32', value: 128 });
    expect(typed('gpt2.block_count')).toEqual({ type: 'uint32', value: 2 });
    expect(typed('gpt2.attention.head_count')).toEqual({ type: 'uint32', value: 2 });
    expect(typed('gpt2.attention.layer_norm_epsilon')?.type).toBe('float32');
    expect(typed('tokenizer.ggml.model')).toEqual({ type: 'string', value: 'gpt2' });
    expect(typed('tokenizer.ggml.pre')).toEqual({ type: 'string', value: 'gpt-2' });
    expect(typed('tokenizer.ggml.tokens')?.type).toBe('array<string>');
    expect((typed('tokenizer.ggml.tokens')?.value as string[]).length).toBe(tiny.config.vocabSize);
    expect(typed('tokenizer.ggml.token_type')?.type).toBe('array<int32>');
    expect(typed('tokenizer.ggml.merges')?.type).toBe('array<string>');
    expect(typed('tokenizer.ggml.eos_token_id')?.type).toBe('uint32');
    expect(typed('tokenizer.ggml.bos_token_id')?.type).toBe('uint32');
    expect(typed('tokenizer.ggml.add_bos_token')).toEqual({ type: 'bool', value: false });
  });

  it("names tensors as llama.cpp does, transposes Conv1D weights, ties the head, keeps norms, biases and positions F32", () => {
    const model = readModelFolder(tiny.folder);
    const f32 = readGguf(path.join(exportTo(tiny.folder, { quantization: 'f32' }).outputFolder, 'crucible/bard/bard-F32.gguf')).tensors;
    const q8 = readGguf(path.join(exportTo(tiny.folder).outputFolder, 'crucible/bard/bard-Q8_0.gguf')).tensors;
    expect([...f32.keys()].slice(0, 4)).toEqual(['token_embd.weight', 'position_embd.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_norm.bias']);
    expect(f32.has('output.weight')).toBe(false);
    expect(f32.get('token_embd.weight')?.dims).toEqual([32, tiny.config.vocabSize]);
    expect(f32.get('blk.1.attn_qkv.weight')?.dims).toEqual([32, 96]);
    expect(f32.get('blk.1.ffn_down.weight')?.dims).toEqual([128, 32]);
    const qkv = decodeGgml('F32', f32.get('blk.1.attn_qkv.weight')!.data);
    const conv1d = model.parameters.get('transformer.h.1.attn.c_attn.weight')!.data as Float32Array; // [in 32, out 96]
    for (const [out, input] of [[0, 0], [5, 17], [95, 31]] as const) expect(qkv[out * 32 + input]).toBe(conv1d[input * 96 + out]);
    expect(q8.get('blk.1.attn_qkv.weight')?.type).toBe('Q8_0');
    expect(q8.get('token_embd.weight')?.type).toBe('Q8_0');
    for (const name of ['position_embd.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_qkv.bias', 'output_norm.bias']) expect(q8.get(name)?.type).toBe('F32');
  });

  it('keeps a matrix whose rows are not whole 32-weight blocks F32 and says which', () => {
    const { outputFolder, outcome } = exportTo(narrow.folder, { quantization: 'q4_0' });
    const tensors = readGguf(path.join(outputFolder, 'crucible/bard/bard-Q4_0.gguf')).tensors;
    expect(tensors.get('blk.0.attn_qkv.weight')?.type).toBe('F32'); // rows of 48
    expect(tensors.get('blk.0.ffn_down.weight')?.type).toBe('Q4_0'); // rows of 192
    expect(outcome.gguf?.keptFloat32).toContain('blk.0.attn_qkv.weight: rows of 48 weights are not whole 32-weight Q4_0 blocks, so it stays F32');
    expect(outcome.notes).toEqual(expect.arrayContaining(outcome.gguf!.keptFloat32));
    expect(readFileSync(path.join(outputFolder, 'README.md'), 'utf8')).toContain('blk.0.attn_qkv.weight: rows of 48 weights');
  });

  it("stops Ollama at config.json's end-of-text token even when it is an ordinary token of the vocabulary", () => {
    const folder = path.join(root, 'ordinary-eos');
    cpSync(tiny.folder, folder, { recursive: true });
    const tokenizer = loadHuggingFaceTokenizer(readFileSync(path.join(folder, MODEL_FILES.tokenizer), 'utf8'));
    const ordinary = tokenizer.encode('the')[0]!;
    expect(tokenizer.addedTokens.some((token) => token.id === ordinary)).toBe(false);
    const configPath = path.join(folder, MODEL_FILES.config);
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), eos_token_id: ordinary }));
    const { outputFolder } = exportTo(folder);
    const modelfile = readFileSync(path.join(outputFolder, 'crucible/bard/Modelfile'), 'utf8');
    expect(modelfile).toContain(`PARAMETER stop ${JSON.stringify(tokenizer.decode([ordinary]))}`);
    expect(modelfile).not.toContain('PARAMETER stop ""');
  });

  it('refuses a bad name and a folder that is not a model', () => {
    expect(() => exportTo(tiny.folder, { name: 'Bard Mini' })).toThrow(/name "Bard Mini" must be lowercase letters/);
    expect(() => exportTo(root)).toThrow(/config\.json is missing; this is not a model folder: point it at a folder written by pretrain, finetune, distill or quantize/);
  });
});

describe('Hugging Face and ONNX exports', () => {
  it('hf: a clean repository (no Crucible files) that transformers.js loads offline, computing our logits', async () => {
    const { outputFolder, outcome } = exportTo(tiny.folder, { format: 'hf', name: 'tiny-hf' });
    expect(outcome.files).toEqual(['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'generation_config.json', 'onnx/model.onnx']);
    expect(existsSync(path.join(outputFolder, MODEL_FILES.provenance))).toBe(false);
    expect(readFileSync(path.join(outputFolder, 'README.md'), 'utf8')).toMatch(/^---\nlicense: other\nlibrary_name: transformers\n/);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = path.dirname(outputFolder);
    vi.stubGlobal('fetch', () => Promise.reject(new Error('transformers.js tried to use the network')));
    try {
      const model = await AutoModelForCausalLM.from_pretrained(path.basename(outputFolder), { local_files_only: true });
      const ids = [3, 7, 1, 9, 42];
      const int64 = (values: number[]) => new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
      const output = (await model({ input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)) })) as { logits: Tensor };
      await model.dispose();
      const ours = await DecoderSession.create(tiny.config, readFileSync(path.join(tiny.folder, MODEL_FILES.decoder)));
      const expected = await ours.append(ids);
      await ours.release();
      (output.logits.data as Float32Array).forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 4));
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('onnx: what transformers.js needs, without the safetensors', () => {
    const { outcome } = exportTo(tiny.folder, { format: 'onnx' });
    expect(outcome.files).toEqual(['README.md', 'config.json', 'tokenizer.json', 'generation_config.json', 'onnx/model.onnx']);
  });
});

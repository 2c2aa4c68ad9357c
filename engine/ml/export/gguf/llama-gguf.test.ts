// GGUF export of a Llama (an imported SmolLM2-layout folder with GQA): llama.cpp's `llama` keys with the types its
// loader reads, its tensor names and dims, the Q/K row interleave, and llama.cpp itself (node-llama-cpp, CPU) on the
// file: the same prompt tokens (digits split one by one, as SmolLM's pre-tokenizer) and next-token log-probabilities
// within 1e-4 of Crucible's decoder at every position for F32, top-1 agreement for F16.

import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../../tokenize/index.ts';
import { importHubModel } from '../../import/import-model.ts';
import { TINY_SMOLLM2, writeHubLlamaFolder } from '../../import/testing/hub-llama-folder.ts';
import { llamaConfig } from '../../llama/config.ts';
import { initLlamaParameters } from '../../llama/parameters.ts';
import { DecoderSession } from '../decoder-session.ts';
import { exportModel } from '../export-model.ts';
import { MODEL_FILES, readModelFolder } from '../model-folder.ts';
import { interleaveRotaryRows } from './llama-gguf.ts';
import { LlamaCppModel } from './testing/llama-cpp.ts';
import { readGguf } from './testing/read-gguf.ts';
import { writeGgufModel } from './write-gguf.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-llama-gguf-'));
const config = llamaConfig(TINY_SMOLLM2);
const PROMPTS = ['The quick brown fox', 'In 1984 a model read 2025 tokens;', 'She sells sea shells'];

describe('interleaveRotaryRows', () => {
  it('reorders each head\'s rows from halves (x0, x1, y0, y1) to pairs (x0, y0, x1, y1)', () => {
    // 2 heads of headDim 4, rows of width 1: row value = its index.
    const rows = Float32Array.from({ length: 8 }, (_, index) => index);
    expect([...interleaveRotaryRows(rows, 2, 4, 1)]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    const wide = Float32Array.from({ length: 8 }, (_, index) => index);
    expect([...interleaveRotaryRows(wide, 1, 2, 4)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('llama.cpp on a Llama exported to GGUF', () => {
  const model = path.join(root, 'model');
  let tokenizer: Tokenizer;
  const llama = new Map<'f32' | 'f16', LlamaCppModel>();

  beforeAll(async () => {
    // Weights ten times HF's init spread, so the next-token distributions are far from uniform.
    const parameters = initLlamaParameters(config, 9);
    for (const [name, tensor] of parameters) if (!name.endsWith('norm.weight')) (tensor.data as Float32Array).forEach((value, index, data) => (data[index] = 10 * value));
    const hub = path.join(root, 'hub');
    writeHubLlamaFolder(hub, { parameters });
    importHubModel(hub, model, { node: { type: 'model' } });
    tokenizer = loadHuggingFaceTokenizer(readFileSync(path.join(model, MODEL_FILES.tokenizer), 'utf8'));
    for (const quantization of ['f32', 'f16'] as const) {
      const file = path.join(root, `${quantization}.gguf`);
      writeGgufModel({ modelFolder: model, file, quantization, name: 'tiny-smollm2' });
      llama.set(quantization, await LlamaCppModel.load(file, { contextSize: config.blockSize, float32Cache: true }));
    }
  }, 120_000);

  afterAll(async () => {
    for (const loaded of llama.values()) await loaded.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes llama.cpp\'s llama keys (UINT32 sizes, FLOAT32 epsilon and RoPE base), SmolLM\'s pre-tokenizer and the hub\'s ids', () => {
    const { metadata, tensors } = readGguf(path.join(root, 'f32.gguf'));
    const value = (key: string) => metadata.get(key);
    expect(value('general.architecture')).toEqual({ type: 'string', value: 'llama' });
    for (const [key, expected] of [
      ['llama.context_length', 64], ['llama.embedding_length', 48], ['llama.block_count', 2], ['llama.feed_forward_length', 128],
      ['llama.attention.head_count', 6], ['llama.attention.head_count_kv', 2], ['llama.rope.dimension_count', 8], ['llama.attention.key_length', 8],
      ['tokenizer.ggml.bos_token_id', 1], ['tokenizer.ggml.eos_token_id', 2],
    ] as const) expect(value(key), key).toEqual({ type: 'uint32', value: expected });
    expect(value('llama.attention.layer_norm_rms_epsilon')?.type).toBe('float32');
    expect(value('llama.attention.layer_norm_rms_epsilon')?.value as number).toBeCloseTo(1e-5, 10);
    expect(value('llama.rope.freq_base')).toEqual({ type: 'float32', value: 100000 });
    expect(value('tokenizer.ggml.pre')).toEqual({ type: 'string', value: 'smollm' });
    expect(value('tokenizer.chat_template')?.value).toContain('<|im_start|>');
    expect(tensors.get('blk.1.attn_q.weight')?.dims).toEqual([48, 48]);
    expect(tensors.get('blk.1.attn_k.weight')?.dims).toEqual([48, 16]);
    expect(tensors.get('blk.1.ffn_gate.weight')?.dims).toEqual([48, 128]);
    expect(tensors.get('blk.1.ffn_down.weight')?.dims).toEqual([128, 48]);
    expect(tensors.get('token_embd.weight')?.dims).toEqual([48, 320]);
    expect(tensors.has('output.weight'), 'tied head: llama.cpp reuses token_embd').toBe(false);
    expect([...tensors.keys()].filter((name) => name.startsWith('blk.0.')).sort()).toEqual([
      'blk.0.attn_k.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_output.weight', 'blk.0.attn_q.weight', 'blk.0.attn_v.weight',
      'blk.0.ffn_down.weight', 'blk.0.ffn_gate.weight', 'blk.0.ffn_norm.weight', 'blk.0.ffn_up.weight',
    ]);
  });

  it('the export node\'s GGUF folder: an Ollama Modelfile that stops at <|im_end|>', () => {
    const outputFolder = path.join(root, 'export');
    const outcome = exportModel({ modelFolder: model, outputFolder, format: 'gguf', quantization: 'f16', name: 'smol' });
    expect(outcome.files).toEqual(['README.md', 'crucible/smol/smol-F16.gguf', 'crucible/smol/Modelfile']);
    const modelfile = readFileSync(path.join(outputFolder, 'crucible', 'smol', 'Modelfile'), 'utf8');
    expect(modelfile).toContain('PARAMETER stop "<|im_end|>"');
    // SmolLM2's template (loop.first, a default system turn) has no faithful Go form; the GGUF carries the Jinja one.
    expect(outcome.notes).toEqual(expect.arrayContaining([expect.stringContaining('could not be converted to an Ollama template faithfully')]));
  });

  it('tokenizes the prompts as Crucible does, digits one by one', () => {
    for (const text of PROMPTS) expect(llama.get('f32')!.tokenize(text), text).toEqual(tokenizer.encode(text));
    expect(tokenizer.encode(' 2025').map((id) => tokenizer.tokenOf(id))).toEqual(['Ġ', '2', '0', '2', '5']);
  });

  it('F32: next-token log-probabilities within 1e-4 of Crucible\'s decoder at every position; F16 agrees on the top token', async ({ annotate }) => {
    const loaded = readModelFolder(model);
    const decoder = await DecoderSession.create(loaded.config, readFileSync(loaded.decoderPath));
    let [worst, spread, agreed, total] = [0, 0, 0, 0];
    try {
      for (const text of PROMPTS) {
        const ids = tokenizer.encode(text);
        decoder.reset();
        const logits = await decoder.append(ids);
        const [f32, f16] = [await llama.get('f32')!.nextTokens(ids, 0, config.vocabSize), await llama.get('f16')!.nextTokens(ids, 0, config.vocabSize)];
        ids.forEach((_, position) => {
          const ours = logSoftmax(logits.subarray(position * config.vocabSize, (position + 1) * config.vocabSize));
          spread = Math.max(spread, Math.max(...ours) - Math.min(...ours));
          f32[position]!.probabilities.forEach((p, token) => (worst = Math.max(worst, Math.abs(Math.log(p) - ours[token]!))));
          total++;
          if (f16[position]!.argmax === argmax(ours)) agreed++;
        });
      }
    } finally {
      await decoder.release();
    }
    console.log(`llama.cpp F32 vs Crucible: largest log-probability difference ${worst.toExponential(2)}, span ${spread.toFixed(1)}, F16 top-1 ${agreed}/${total}`);
    await annotate(`largest log-probability difference ${worst.toExponential(2)} (log-probabilities span ${spread.toFixed(1)}); F16 top-1 ${agreed}/${total}`);
    expect(spread, 'distributions far from uniform').toBeGreaterThan(5);
    expect(worst).toBeLessThan(1e-4);
    expect(agreed / total).toBeGreaterThanOrEqual(0.9);
  });
});

function logSoftmax(logits: Float32Array): Float64Array {
  const largest = Math.max(...logits);
  const logSum = Math.log(logits.reduce((total, logit) => total + Math.exp(logit - largest), 0)) + largest;
  return Float64Array.from(logits, (logit) => logit - logSum);
}

function argmax(values: Float64Array): number {
  let best = 0;
  values.forEach((value, index) => {
    if (value > values[best]!) best = index;
  });
  return best;
}

// A model whose embedding table is padded past its tokenizer (a fine-tune's base, or rows rounded up to 64): Crucible
// samples only the tokenizer's ids, so the GGUF holds only those rows, and llama.cpp, which samples every row it is
// given, decodes the same greedy tokens as Crucible.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OnnxTextGenerator } from '../../../inference/onnx-text-generator.ts';
import { generationRequest } from '../../../inference/testing/generation-request.ts';
import { trainChar, type Tokenizer } from '../../../tokenize/index.ts';
import { llamaConfig } from '../../llama/config.ts';
import { initLlamaParameters } from '../../llama/parameters.ts';
import { writeModelFolder } from '../model-folder.ts';
import { LlamaCppModel } from './testing/llama-cpp.ts';
import { readGguf } from './testing/read-gguf.ts';
import { writeGgufModel } from './write-gguf.ts';

const TEXT = 'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. In 1984 a model read 2025 tokens.\n'.repeat(3);
const PADDING = 14;
const root = mkdtempSync(path.join(tmpdir(), 'crucible-padded-gguf-'));
const folder = path.join(root, 'model');
const file = path.join(root, 'f32.gguf');
let tokenizer: Tokenizer;
let report: ReturnType<typeof writeGgufModel>;

beforeAll(() => {
  tokenizer = trainChar(TEXT);
  const tokenizerJsonPath = path.join(root, 'tokenizer.json');
  writeFileSync(tokenizerJsonPath, JSON.stringify(tokenizer.toHuggingFaceJson()));
  const config = llamaConfig({ vocabSize: tokenizer.vocabSize + PADDING, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, intermediateSize: 64, blockSize: 64, tieEmbeddings: false });
  const parameters = initLlamaParameters(config, 3);
  // Random weights scaled up, so the distributions are peaked and the padding rows win some argmaxes.
  for (const [name, tensor] of parameters) if (!name.includes('norm')) (tensor.data as Float32Array).forEach((value, index, data) => (data[index] = 10 * value));
  writeModelFolder(folder, { config, parameters, tokenizerJsonPath, tokenizerConfigJsonPath: null, provenance: { test: 'padded-vocabulary' } });
  report = writeGgufModel({ modelFolder: folder, file, quantization: 'f32', name: 'padded' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('writes only the tokenizer\'s rows of the embedding and the head, and says so', () => {
  const { metadata, tensors } = readGguf(file);
  const tokens = tokenizer.vocabSize;
  expect((metadata.get('tokenizer.ggml.tokens')?.value as string[]).length).toBe(tokens);
  expect(metadata.get('llama.vocab_size')).toEqual({ type: 'uint32', value: tokens });
  expect(tensors.get('token_embd.weight')?.dims).toEqual([32, tokens]);
  expect(tensors.get('output.weight')?.dims).toEqual([32, tokens]);
  expect(report.notes).toContain(`the embedding's ${PADDING} rows past the tokenizer's ${tokens} tokens are left out: Crucible never samples them`);
});

it('llama.cpp decodes the greedy tokens Crucible serves', async () => {
  const llama = await LlamaCppModel.load(file, { contextSize: 64, float32Cache: true });
  const generator = new OnnxTextGenerator({ modelDir: folder, modelId: 'padded', log: () => undefined });
  try {
    for (const text of ['The quick', 'She sells', 'In 1984']) {
      const prompt = tokenizer.encode(text);
      const ours: number[] = [];
      for await (const event of generator.generate(generationRequest({ promptTokens: prompt, maxTokens: 12 }), new AbortController().signal)) {
        if (event.type === 'token') ours.push(event.tokenId);
      }
      expect(await llama.greedy(prompt, ours.length), text).toEqual(ours);
    }
  } finally {
    await Promise.all([generator.close(), llama.dispose()]);
  }
});

// A quantized model folder loads in transformers.js from a local folder, with no network: config.json's
// transformers.js_config picks onnx/model_q4.onnx or onnx/model_int8.onnx, and its logits equal our decoder's.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DecoderSession } from '../export/decoder-session.ts';
import { writeModelFolder } from '../export/model-folder.ts';
import { gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { quantizeModelFolder, type ModelQuantizationSettings } from './quantize-model-folder.ts';

const modelsDir = mkdtempSync(path.join(tmpdir(), 'crucible-quantized-transformers-js-'));
const config = gpt2Config({ vocabSize: 50, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32 });

beforeAll(() => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir;
  vi.stubGlobal('fetch', () => Promise.reject(new Error('transformers.js tried to use the network')));
  writeModelFolder(path.join(modelsDir, 'float'), { config, parameters: initGpt2Parameters(config, 2), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: {} });
});

afterAll(() => {
  vi.unstubAllGlobals();
  rmSync(modelsDir, { recursive: true, force: true });
});

const int64 = (values: readonly number[]) => new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);

describe('transformers.js on a quantized model folder', () => {
  it.each([
    ['int4', { scheme: 'int4', blockSize: 16, symmetric: false, accuracyLevel: 4, quantizeEmbeddings: true }, 'q4'],
    ['int8', { scheme: 'int8', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false }, 'int8'],
  ] as const)('%s: loads the quantized decoder by default and computes our logits', async (name, settings: ModelQuantizationSettings, dtype) => {
    const folder = quantizeModelFolder({ sourceFolder: path.join(modelsDir, 'float'), targetFolder: path.join(modelsDir, name), settings, provenance: {} });
    const model = await AutoModelForCausalLM.from_pretrained(name, { local_files_only: true });
    expect((model as unknown as { sessions: { model: { config: { dtype: string } } } }).sessions.model.config.dtype).toBe(dtype);
    const ids = [3, 7, 1, 9, 42];
    const output = (await model({ input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)) })) as { logits: Tensor };
    const ours = await DecoderSession.create(config, readFileSync(folder.quantizedDecoderPath));
    const expected = await ours.append(ids);
    await ours.release();
    await model.dispose();
    const actual = output.logits.data as Float32Array;
    expect(actual).toHaveLength(expected.length);
    expected.forEach((value, index) => expect(actual[index]).toBeCloseTo(value, 4));
  }, 30_000);
});

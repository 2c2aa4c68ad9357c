// A Llama model folder (grouped-query attention) loads in transformers.js from a local folder with no network, as
// Optimum's Llama exports do, and transformers.js's greedy generation gives the same tokens as Crucible's own serving
// runtime (OnnxTextGenerator: prefill through onnx/model.onnx, decode steps through the step decoder over the slot
// cache) on the same folder.
import path from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnnxTextGenerator } from '../../inference/onnx-text-generator.ts';
import { generationRequest } from '../../inference/testing/generation-request.ts';
import { writeTinyModelFolder, type TinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { readConfigJson } from './model-folder.ts';

let fixture: TinyModelFolder;

beforeAll(() => {
  fixture = writeTinyModelFolder({ architecture: 'llama', seed: 9, nLayer: 3, noise: 0.3 });
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(fixture.folder);
  vi.stubGlobal('fetch', () => Promise.reject(new Error('transformers.js tried to use the network')));
});

afterAll(() => {
  vi.unstubAllGlobals();
  fixture.remove();
});

describe('transformers.js on a Llama model folder', () => {
  it('greedy-generates the tokens Crucible’s serving runtime generates', async () => {
    const config = readConfigJson(fixture.folder);
    expect(config.model_type).toBe('llama');
    expect(config.num_key_value_heads).toBeLessThan(config.num_attention_heads as number);
    const generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny-llama', maxBatchSize: 4, log: () => undefined });
    const model = await AutoModelForCausalLM.from_pretrained(path.basename(fixture.folder), { local_files_only: true });
    try {
      await generator.whenReady();
      for (const text of ['First Citizen: hear me', 'Speak, speak.', 'Café']) {
        const prompt = generator.tokenize(text);
        const ours: number[] = [];
        let finish = '';
        for await (const event of generator.generate(generationRequest({ promptTokens: prompt, maxTokens: 24, temperature: 0 }), new AbortController().signal)) {
          if (event.type === 'token') ours.push(event.tokenId);
          else finish = event.reason;
        }
        const ids = new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
        const output = (await model.generate({ input_ids: ids, attention_mask: new Tensor('int64', BigInt64Array.from(prompt, () => 1n), [1, prompt.length]), max_new_tokens: 24, do_sample: false })) as Tensor;
        const theirs = Array.from(output.data as BigInt64Array, Number).slice(prompt.length);
        // transformers.js keeps the end-of-text token it stops at; Crucible reports it as finish "stop".
        const eos = config.eos_token_id;
        const expected = finish === 'stop' ? [...ours, eos] : ours;
        expect(theirs).toEqual(expected);
        expect(new Set(ours).size).toBeGreaterThan(3);
      }
    } finally {
      await generator.close();
      await model.dispose();
    }
  }, 60_000);
});

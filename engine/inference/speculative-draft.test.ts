// A deployment with a draft model through its worker threads: greedy output equal to the same model served without
// one, and drafts that do not speak the served model's tokens refused before any worker starts, saying what differs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxTextGenerator } from './onnx-text-generator.ts';
import { readServableModel } from './model-files.ts';
import { readDraftModel } from './speculative-draft.ts';
import { generationRequest } from './testing/generation-request.ts';
import { writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';
import type { GenerationEvent, GenerationRequest } from './text-generator.ts';

let target: TinyModelFolder;
let student: TinyModelFolder;

beforeAll(() => {
  target = writeTinyModelFolder({ nEmbd: 32, nLayer: 2, seed: 3, noise: 0.3 });
  student = writeTinyModelFolder({ nEmbd: 32, nLayer: 1, seed: 3, noise: 0.3 });
});
afterAll(() => {
  target.remove();
  student.remove();
});

async function tokenIds(generator: OnnxTextGenerator, request: GenerationRequest): Promise<number[]> {
  const events: GenerationEvent[] = [];
  for await (const event of generator.generate(request, new AbortController().signal)) events.push(event);
  return events.flatMap((event) => (event.type === 'token' ? [event.tokenId] : []));
}

describe('a deployment with a draft model', () => {
  it('serves greedy requests token for token as the model alone does', async () => {
    const plain = new OnnxTextGenerator({ modelDir: target.folder, modelId: 'plain', maxBatchSize: 4 });
    const drafted = new OnnxTextGenerator({ modelDir: target.folder, modelId: 'drafted', maxBatchSize: 4, draft: { modelDir: student.folder, proposals: 3 } });
    try {
      await Promise.all([plain.whenReady(), drafted.whenReady()]);
      const requests = ['First Citizen', 'Speak, speak', 'hear me'].map((text, index) => generationRequest({ promptTokens: plain.tokenize(text), maxTokens: 12 + index }));
      const expected = await Promise.all(requests.map((request) => tokenIds(plain, request)));
      expect(await Promise.all(requests.map((request) => tokenIds(drafted, request)))).toEqual(expected);
      // The workers report their counts at most every 250 ms (for /metrics and the service details).
      const deadline = Date.now() + 30_000;
      while ((drafted.speculation()?.steps ?? 0) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const stats = drafted.speculation()!;
      expect(stats.steps).toBeGreaterThan(0);
      expect(stats.proposed).toBeGreaterThan(0);
      expect(stats.accepted).toBeLessThanOrEqual(stats.proposed);
      expect(stats.tokens).toBeGreaterThanOrEqual(stats.steps);
      expect(plain.speculation()).toBeNull();
    } finally {
      await Promise.all([plain.close(), drafted.close()]);
    }
  });

  it('refuses a draft with another tokenizer, a shorter context or a bad proposal count', () => {
    const served = readServableModel(target.folder);
    const swapped = writeTinyModelFolder({ nEmbd: 32, nLayer: 1, seed: 3 });
    const short = writeTinyModelFolder({ nEmbd: 32, nLayer: 1, seed: 3, blockSize: 32 });
    try {
      const tokenizerPath = path.join(swapped.folder, 'tokenizer.json');
      const tokenizer = JSON.parse(readFileSync(tokenizerPath, 'utf8')) as { model: { vocab: Record<string, number> } };
      const [first, second] = Object.keys(tokenizer.model.vocab).filter((token) => tokenizer.model.vocab[token]! > 100);
      [tokenizer.model.vocab[first!], tokenizer.model.vocab[second!]] = [tokenizer.model.vocab[second!]!, tokenizer.model.vocab[first!]!];
      writeFileSync(tokenizerPath, JSON.stringify(tokenizer));
      expect(() => readDraftModel(swapped.folder, served, 4)).toThrow(/its tokenizer maps id \d+ to .*, the served model's to .*; a draft must be a student of the served model/);
      expect(() => readDraftModel(short.folder, served, 4)).toThrow(/its context is 32 tokens, shorter than the served model's 64/);
      expect(() => readDraftModel(student.folder, served, 0)).toThrow(/draftTokens must be a whole number from 1 to 16, got 0/);
      expect(() => new OnnxTextGenerator({ modelDir: target.folder, modelId: 'x', draft: { modelDir: short.folder, proposals: 4 } })).toThrow(/draft model .*: its context is 32 tokens/);
    } finally {
      swapped.remove();
      short.remove();
    }
  });
});

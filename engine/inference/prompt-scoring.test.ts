// Prompt scoring through the worker, for both families: each prompt token's log probability and alternatives equal
// those read from the exported decoder fed one token at a time (its KV cache, a different path through the graph),
// the end-of-text score after the prompt matches, and a greedy first token's logprob is the best alternative there.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecoderSession } from '../ml/export/decoder-session.ts';
import { OnnxTextGenerator } from './onnx-text-generator.ts';
import { logSoftmax } from './sampling.ts';
import type { GenerationEvent } from './text-generator.ts';
import { generationRequest } from './testing/generation-request.ts';
import { TINY_MODEL_ARCHITECTURES, writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';

const TOLERANCE = 1e-4;

describe.each(TINY_MODEL_ARCHITECTURES)('prompt scoring (%s)', (architecture) => {
  let fixture: TinyModelFolder;
  let generator: OnnxTextGenerator;

  beforeAll(async () => {
    fixture = writeTinyModelFolder({ architecture, noise: 0.3 });
    generator = new OnnxTextGenerator({ modelDir: fixture.folder, modelId: 'tiny', maxBatchSize: 4, log: () => undefined });
    await generator.whenReady();
  });
  afterAll(async () => {
    await generator.close();
    fixture.remove();
  });

  it('scores every prompt token as the decoder fed one token at a time does', async () => {
    const tokens = generator.tokenize('First Citizen: hear me speak, Café');
    const scored = await generator.scorePrompt(tokens, 3, new AbortController().signal);
    const decoder = await DecoderSession.create(fixture.config, readFileSync(path.join(fixture.folder, 'onnx', 'model.onnx')));
    try {
      const vocab = fixture.config.vocabSize;
      expect(scored.tokens.map((token) => token.tokenId)).toEqual(tokens);
      expect(scored.tokens.map((token) => token.text).join('')).toBe(generator.detokenize(tokens));
      expect(scored.tokens[0]).toMatchObject({ logprob: null, topLogprobs: null });
      for (let position = 0; position < tokens.length; position++) {
        const logprobs = logSoftmax((await decoder.append([tokens[position]!])).subarray(0, vocab));
        const next = position + 1 < tokens.length ? scored.tokens[position + 1]! : null;
        const reported = next ?? { tokenId: 0, logprob: scored.endOfText!.logprob, topLogprobs: scored.endOfText!.topLogprobs };
        const expectedId = next ? next.tokenId : scored.endOfText!.tokenId;
        expect(Math.abs(reported.logprob! - logprobs[expectedId]!)).toBeLessThan(TOLERANCE);
        const best = [...logprobs.keys()].sort((a, b) => logprobs[b]! - logprobs[a]!).slice(0, 3);
        expect(reported.topLogprobs!.map((alternative) => alternative.tokenId)).toEqual(best);
        // Each alternative as logprobs show it: its text, or its bytes when it ends inside a character.
        for (const alternative of reported.topLogprobs!) {
          const written = `bytes:${alternative.bytes!.map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')}`;
          expect([generator.detokenize([alternative.tokenId]), written]).toContain(alternative.text);
        }
      }
    } finally {
      await decoder.release();
    }
  });

  it("reports a greedy first token's logprob as the best alternative after the prompt", async () => {
    const tokens = generator.tokenize('All: Speak');
    const scored = await generator.scorePrompt(tokens, 1, new AbortController().signal);
    const events: GenerationEvent[] = [];
    for await (const event of generator.generate(generationRequest({ promptTokens: tokens, maxTokens: 1, logprobs: true, topLogprobs: 1 }), new AbortController().signal)) events.push(event);
    const first = events[0]!;
    const best = scored.endOfText!.topLogprobs[0]!;
    if (first.type === 'token') {
      expect(first.tokenId).toBe(best.tokenId);
      expect(Math.abs(first.logprob! - best.logprob)).toBeLessThan(TOLERANCE);
    } else expect(best.tokenId).toBe(scored.endOfText!.tokenId);
  });

  it('scores an empty prompt as nothing, and a one-token prompt as its end-of-text score only', async () => {
    const signal = new AbortController().signal;
    expect(await generator.scorePrompt([], 2, signal)).toEqual({ tokens: [], endOfText: null });
    const one = await generator.scorePrompt(generator.tokenize('A'), 2, signal);
    expect(one.tokens).toHaveLength(1);
    expect(one.endOfText!.topLogprobs).toHaveLength(2);
  });
});

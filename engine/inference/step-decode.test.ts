// The step decoder's many-tokens build, S new tokens per row: every new token's logits equal the exported decoder's for the row's
// sequence up to that token, for rows of different lengths in one call, for a GPT-2 and a Llama (grouped-query
// attention), at float32 and int4; the cache it leaves (also after truncating rejected tokens) decodes on correctly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import { quantizeModelFolder } from '../ml/quantize/quantize-model-folder.ts';
import { prefillBatch } from './batched-prefill.ts';
import { loadDecoderPair, releaseDecoderPair, type DecoderPair } from './decoder-pair.ts';
import { readServableModel } from './model-files.ts';
import { SlotKvCache } from './slot-kv-cache.ts';
import { decodeTokens } from './step-decode.ts';
import { TINY_MODEL_ARCHITECTURES, writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';

describe.each(TINY_MODEL_ARCHITECTURES)('decodeTokens (%s)', (architecture) => {
  let fixture: TinyModelFolder;
  let root: string;
  const pairs = new Map<string, { pair: DecoderPair; config: ModelConfig }>();

  beforeAll(async () => {
    fixture = writeTinyModelFolder({ architecture, nEmbd: 32, seed: 3, noise: 0.3 });
    root = mkdtempSync(path.join(tmpdir(), 'crucible-step-decode-'));
    const q4 = path.join(root, 'q4');
    quantizeModelFolder({ sourceFolder: fixture.folder, targetFolder: q4, settings: { scheme: 'int4', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: true }, provenance: {} });
    for (const [precision, folder] of [['float32', fixture.folder], ['q4', q4]] as const) {
      const model = readServableModel(folder, precision);
      pairs.set(precision, { pair: await loadDecoderPair({ modelFolder: folder, precision, decoderPath: model.decoderPath, config: model.config }, {}, { manyTokens: true }), config: model.config });
    }
  });
  afterAll(async () => {
    for (const { pair } of pairs.values()) await releaseDecoderPair(pair);
    fixture.remove();
    rmSync(root, { recursive: true, force: true });
  });

  /** The exported decoder's last logits for each of `sequences`. */
  const wholeLogits = async (pair: DecoderPair, config: ModelConfig, sequences: number[][]) => (await prefillBatch(pair.prefill, config, sequences)).map((row) => row.logits);
  const worstDifference = (expected: Float32Array, got: Float32Array) => Math.max(...expected.map((value, index) => Math.abs(value - got[index]!)));

  it.each(['float32', 'q4'])('%s: S new tokens per row give each position the exported decoder’s logits', async (precision) => {
    const { pair, config } = pairs.get(precision)!;
    const V = config.vocabSize;
    const prompts = [[5, 9, 2, 7, 1, 3], [4, 8], [11, 6, 6, 2, 40]];
    const added = [[12, 13, 14], [15, 16, 17], [18, 19, 20]];
    const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 4, maxSlots: config.blockSize, slotChunk: 4 });
    for (const prefix of await prefillBatch(pair.prefill, config, prompts)) cache.addRow(prefix.cache);
    const logits = await decodeTokens(pair.stepMany!, config, cache, added);
    expect(logits.length).toBe(prompts.length * 3 * V);
    expect(cache.rowLengths).toEqual([9, 5, 8]);
    for (const [row, prompt] of prompts.entries()) {
      for (let token = 0; token < 3; token++) {
        const [expected] = await wholeLogits(pair, config, [[...prompt, ...added[row]!.slice(0, token + 1)]]);
        const at = (row * 3 + token) * V;
        expect(worstDifference(expected!, logits.subarray(at, at + V))).toBeLessThan(1e-4);
      }
    }
  });

  it('a row truncated after a multi-token step decodes on as if the rejected tokens were never fed', async () => {
    const { pair, config } = pairs.get('float32')!;
    const V = config.vocabSize;
    const prompts = [[5, 9, 2], [4, 8, 30, 31]];
    const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 2, maxSlots: config.blockSize, slotChunk: 4 });
    for (const prefix of await prefillBatch(pair.prefill, config, prompts)) cache.addRow(prefix.cache);
    await decodeTokens(pair.stepMany!, config, cache, [[1, 2, 3, 4], [5, 6, 7, 8]]);
    cache.truncateRow(0, 4); // keeps the prompt and token 1
    cache.truncateRow(1, 8); // keeps everything
    expect(() => cache.truncateRow(1, 9)).toThrow(/cannot truncate row 1 of 8 tokens to 9/);
    const next = await decodeTokens(pair.stepMany!, config, cache, [[21, 22], [23, 24]]);
    const expected = await wholeLogits(pair, config, [[5, 9, 2, 1, 21, 22], [4, 8, 30, 31, 5, 6, 7, 8, 23, 24]]);
    expect(cache.rowLengths).toEqual([6, 10]);
    expect(worstDifference(expected[0]!, next.subarray(V, 2 * V))).toBeLessThan(1e-4);
    expect(worstDifference(expected[1]!, next.subarray(3 * V, 4 * V))).toBeLessThan(1e-4);
  });

  it('the one-token build (decode steps) and the many-token build give the same logits for one token', async () => {
    const { pair, config } = pairs.get('float32')!;
    const logits = [];
    for (const session of [pair.step, pair.stepMany!]) {
      const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 2, maxSlots: config.blockSize, slotChunk: 4 });
      for (const prefix of await prefillBatch(pair.prefill, config, [[1, 2, 3], [4]])) cache.addRow(prefix.cache);
      logits.push(await decodeTokens(session, config, cache, [[7], [8]]));
    }
    expect(worstDifference(logits[0]!, logits[1]!)).toBeLessThan(1e-5);
  });

  it('padding past a row’s real tokens (a speculative step’s shorter rows) goes past the context unseen by them', async () => {
    const { pair, config } = pairs.get('float32')!;
    const V = config.vocabSize;
    // Row 0 ends 4 tokens before the context: 2 real tokens and 3 of padding, 1 slot past the context.
    const prompts = [Array.from({ length: config.blockSize - 4 }, (_, index) => 3 + (index % 40)), [4, 8]];
    const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 2, maxSlots: config.blockSize + 4, slotChunk: 4 });
    for (const prefix of await prefillBatch(pair.prefill, config, prompts)) cache.addRow(prefix.cache);
    const logits = await decodeTokens(pair.stepMany!, config, cache, [[12, 13, 99, 98, 97], [15, 16, 17, 18, 19]], [2, 5]);
    const expected = await wholeLogits(pair, config, [[...prompts[0]!, 12], [...prompts[0]!, 12, 13]]);
    expect(worstDifference(expected[0]!, logits.subarray(0, V))).toBeLessThan(1e-4);
    expect(worstDifference(expected[1]!, logits.subarray(V, 2 * V))).toBeLessThan(1e-4);
    const [full] = await wholeLogits(pair, config, [[4, 8, 15, 16, 17, 18, 19]]);
    expect(worstDifference(full!, logits.subarray(9 * V, 10 * V))).toBeLessThan(1e-4);
    cache.truncateRow(0, config.blockSize - 2); // drops the padding; the row decodes on
    const [next] = await wholeLogits(pair, config, [[...prompts[0]!, 12, 13, 14]]);
    const after = await decodeTokens(pair.stepMany!, config, cache, [[14, 1], [20, 21]], [1, 2]);
    expect(worstDifference(next!, after.subarray(0, V))).toBeLessThan(1e-4);
    // Padding needs a position after the real tokens: none when they reach the context's end.
    cache.truncateRow(0, config.blockSize - 2);
    await expect(decodeTokens(pair.stepMany!, config, cache, [[14, 15, 1], [20, 21, 22]], [2, 3])).rejects.toThrow(/2 new tokens after 62 and padding would pass the model's context of 64/);
  });

  it('refuses rows with different token counts and steps past the context', async () => {
    const { pair, config } = pairs.get('float32')!;
    const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 2, maxSlots: config.blockSize, slotChunk: 4 });
    for (const prefix of await prefillBatch(pair.prefill, config, [[1, 2], [3]])) cache.addRow(prefix.cache);
    await expect(decodeTokens(pair.stepMany!, config, cache, [[1, 2], [3]])).rejects.toThrow(/the same number \(≥ 1\) of new tokens, got \[2,1\]/);
    const tooMany = Array.from({ length: config.blockSize - 1 }, () => 1);
    await expect(decodeTokens(pair.stepMany!, config, cache, [tooMany, tooMany])).rejects.toThrow(/would pass the model's context of 64/);
  });
});

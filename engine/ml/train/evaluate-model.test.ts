// Evaluation scores what would be served: a float32 folder through its weights, a quantized folder through its
// quantized decoder, with the report naming which; the two losses are close but not the same numbers. Every session
// and file it opens is let go whatever fails, and its own error is the one reported.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DecoderSession } from '../export/decoder-session.ts';
import { writeModelFolder } from '../export/model-folder.ts';
import { quantizeModelFolder } from '../quantize/quantize-model-folder.ts';
import { evaluateModel, type EvaluationJob } from './evaluate-model.ts';
import { LossEvaluator } from './loss-evaluator.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './testing/tiny-settings.ts';
import { TokenShardReader } from './token-windows.ts';
import { trainGpt2 } from './trainer.ts';
import { releaseSpy } from './testing/release-spy.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-evaluate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), shakespeareExcerpt(20_000));
const floatFolder = path.join(root, 'float');
const int8Folder = path.join(root, 'int8');

beforeAll(async () => {
  const settings = { ...TINY_SETTINGS, nEmbd: 32, maxSteps: 20, evalInterval: 20, learningRate: 2e-2 };
  const trained = await trainGpt2({ settings, trainShard: path.join(tokens.folder, 'train'), valShard: path.join(tokens.folder, 'val'), checkpointDir: path.join(root, 'checkpoints') });
  writeModelFolder(floatFolder, { config: trained.config, parameters: trained.parameters, tokenizerJsonPath: path.join(tokens.folder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: {} });
  quantizeModelFolder({ sourceFolder: floatFolder, targetFolder: int8Folder, settings: { scheme: 'int8', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false }, provenance: {} });
});

const job = (modelFolder: string): EvaluationJob => ({
  modelFolder, valShard: path.join(tokens.folder, 'val'), valMask: null, batchSize: 4, evalBatches: 3, samples: 1, maxNewTokens: 8, prompt: 'A', temperature: 0.8, topK: 10, seed: 5, threads: 1,
});

describe('evaluateModel', () => {
  it('gives the same loss through the decoder path as through the batched graph on the same weights', async () => {
    const relabelled = path.join(root, 'float-as-decoder');
    cpSync(floatFolder, relabelled, { recursive: true });
    const configPath = path.join(relabelled, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, crucible_quantization: { bits: 8, block_size: 32, decoder_file: 'onnx/model.onnx' } }));
    const batched = await evaluateModel(job(floatFolder));
    const throughDecoder = await evaluateModel({ ...job(relabelled), samples: 0 });
    expect(throughDecoder.precision).toMatch(/^int8/);
    expect(throughDecoder.valLoss).toBeCloseTo(batched.valLoss, 4);
  });

  it('scores a quantized folder through its quantized decoder and says so', async () => {
    const float = await evaluateModel(job(floatFolder));
    const int8 = await evaluateModel(job(int8Folder));
    expect(float).toMatchObject({ decoder: 'onnx/model.onnx', precision: 'float32' });
    expect(int8).toMatchObject({ decoder: 'onnx/model_int8.onnx', precision: 'int8 (MatMulNBits, block 32)' });
    expect(int8.valLoss).not.toBe(float.valLoss);
    expect(Math.abs(int8.valLoss - float.valLoss)).toBeLessThan(0.02 * float.valLoss);
    expect(int8.tokensScored).toBe(float.tokensScored);
    expect(int8.samples[0]?.tokens).toBe(8);
  });

  it('scores only the targets a loss mask trains, through either path, and the same with an all-ones mask as without', async () => {
    const count = JSON.parse(readFileSync(path.join(tokens.folder, 'val.json'), 'utf8')).count as number;
    const maskFile = (name: string, trained: (id: number) => boolean) => {
      const file = path.join(root, name);
      writeFileSync(file, Uint8Array.from({ length: count }, (_, id) => (trained(id) ? 1 : 0)));
      return file;
    };
    const unmasked = await evaluateModel({ ...job(floatFolder), samples: 0 });
    const allOnes = await evaluateModel({ ...job(floatFolder), samples: 0, valMask: maskFile('ones.mask.bin', () => true) });
    expect(allOnes.valLoss).toBeCloseTo(unmasked.valLoss, 5);
    expect(allOnes.tokensScored).toBe(unmasked.tokensScored);

    const everyThird = maskFile('thirds.mask.bin', (id) => id % 3 === 0);
    const masked = await evaluateModel({ ...job(floatFolder), samples: 0, valMask: everyThird });
    const maskedInt8 = await evaluateModel({ ...job(int8Folder), samples: 0, valMask: everyThird });
    expect(masked.tokensScored).toBeGreaterThan(unmasked.tokensScored / 4);
    expect(masked.tokensScored).toBeLessThan(unmasked.tokensScored / 2);
    expect(masked.valLoss).not.toBeCloseTo(unmasked.valLoss, 3);
    expect(maskedInt8.tokensScored).toBe(masked.tokensScored);
    expect(Math.abs(maskedInt8.valLoss - masked.valLoss)).toBeLessThan(0.02 * masked.valLoss);

    await expect(evaluateModel({ ...job(floatFolder), samples: 0, valMask: maskFile('zeros.mask.bin', () => false) })).rejects.toThrow(/hold no trained target/);
  });

  it('shortens its windows to a val split shorter than the model context', async () => {
    const short = writeCharTokensArtifact(path.join(root, 'short-tokens'), shakespeareExcerpt(20_000).slice(0, 9_900) + shakespeareExcerpt(20_000).slice(0, 12), 12 / 9_912);
    expect(short.valTokens).toBeLessThan(TINY_SETTINGS.blockSize);
    const report = await evaluateModel({ ...job(floatFolder), samples: 0, evalBatches: 1, batchSize: 2, valShard: path.join(short.folder, 'val') });
    expect(report.tokensScored).toBe(2 * (short.valTokens - 1));
    expect(Number.isFinite(report.valLoss)).toBe(true);
  });
});

describe('evaluateModel releasing what it opened', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Spies on the scorer's and the generation decoder's releases and the val shard's close; each must run once. */
  function spyOnReleases(failures: { scorer: string | null; decoder: string | null }) {
    const spies = [releaseSpy(LossEvaluator.prototype, failures.scorer), releaseSpy(DecoderSession.prototype, failures.decoder), vi.spyOn(TokenShardReader.prototype, 'close')];
    return { expectEachOnce: () => spies.forEach((spy) => expect(spy).toHaveBeenCalledOnce()) };
  }

  it("still releases the generation decoder and closes the val shard when the scorer's release fails, and reports that failure", async () => {
    const releases = spyOnReleases({ scorer: 'scorer release failed', decoder: null });
    await expect(evaluateModel(job(floatFolder))).rejects.toThrow('scorer release failed');
    releases.expectEachOnce();
  });

  it("reports the evaluation's own error, not the releases' failures, after running every release", async () => {
    vi.spyOn(DecoderSession.prototype, 'append').mockRejectedValueOnce(new Error('sampling failed'));
    const releases = spyOnReleases({ scorer: 'scorer release failed', decoder: 'decoder release failed' });
    await expect(evaluateModel(job(floatFolder))).rejects.toThrow('sampling failed');
    releases.expectEachOnce();
  });

  it('closes the val shard when the scorer cannot be made', async () => {
    vi.spyOn(LossEvaluator, 'create').mockRejectedValueOnce(new Error('no evaluator session'));
    const close = vi.spyOn(TokenShardReader.prototype, 'close');
    await expect(evaluateModel(job(floatFolder))).rejects.toThrow('no evaluator session');
    expect(close).toHaveBeenCalledOnce();
  });
});

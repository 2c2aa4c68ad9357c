// The quantization capability end to end on a worker thread: it finds the val tokens through the model's provenance and
// the artifact store's layout, writes the quantized folder and report.json, and reports without val loss otherwise.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelFolder } from '../ml/export/model-folder.ts';
import { gpt2Config } from '../ml/gpt2/config.ts';
import { initGpt2Parameters } from '../ml/gpt2/parameters.ts';
import { writeCharTokensArtifact } from '../ml/train/testing/char-tokens.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';
import { createQuantizationCapability, findValShard } from './quantization-capability.ts';

const CONFIG = { scheme: 'int4', blockSize: 16, symmetric: false, accuracyLevel: 4, quantizeEmbeddings: true } as const;

let dataDir: string;
let modelFolder: string;
const hooks = (lines: string[]) => ({ signal: new AbortController().signal, log: (line: string) => lines.push(line) });

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'crucible-quantization-capability-'));
  const tokens = writeCharTokensArtifact(path.join(dataDir, 'artifacts', 'tokens-key'), shakespeareExcerpt(20_000));
  const config = gpt2Config({ vocabSize: tokens.vocabSize, nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 16 });
  modelFolder = path.join(dataDir, 'artifacts', 'model-key');
  const provenance = { node: { type: 'pretrain' }, inputs: { tokens: { key: 'tokens-key' } } };
  writeModelFolder(modelFolder, { config, parameters: initGpt2Parameters(config, 1), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance });
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('quantization capability', () => {
  it('finds the val shard of the tokens named in the provenance', () => {
    expect(findValShard(modelFolder, dataDir)).toBe(path.join(dataDir, 'artifacts', 'tokens-key', 'val'));
    expect(findValShard(modelFolder, path.join(dataDir, 'elsewhere'))).toBeNull();
  });

  it('quantizes on a worker and reports size, perplexity change, agreement and decode speed', async () => {
    const outputFolder = path.join(dataDir, 'out-with-val');
    const lines: string[] = [];
    const outcome = await createQuantizationCapability().quantize({ config: CONFIG, modelFolder, outputFolder, dataDir, provenance: { node: { type: 'quantize' } } }, hooks(lines));
    expect(outcome.decoderFile).toBe('onnx/model_q4.onnx');
    expect(existsSync(path.join(outputFolder, 'onnx', 'model_q4.onnx'))).toBe(true);
    expect(outcome.validationNote).toBeNull();
    const report = JSON.parse(readFileSync(path.join(outputFolder, outcome.reportFile), 'utf8')) as Record<string, unknown>;
    expect(report.sizeRatio).toBe(outcome.metrics.sizeRatio);
    expect(outcome.metrics.sizeRatio).toBeLessThan(0.5);
    expect(outcome.metrics.floatPerplexity).toBeCloseTo(Math.exp(outcome.metrics.floatValLoss as number), 6);
    expect(outcome.metrics.perplexityChangePercent).toBeCloseTo(((outcome.metrics.quantizedPerplexity as number) / (outcome.metrics.floatPerplexity as number) - 1) * 100, 6);
    expect(outcome.metrics.decodeSpeedRatio).toBeGreaterThan(0);
    expect(outcome.metrics.greedyAgreement).toBeGreaterThanOrEqual(0);
    expect(lines.some((line) => line.includes('onnx/model_q4.onnx'))).toBe(true);
  }, 60_000);

  it('reports without val loss when the tokens cannot be found, and says so', async () => {
    const lines: string[] = [];
    const outcome = await createQuantizationCapability().quantize(
      { config: { ...CONFIG, scheme: 'int8', quantizeEmbeddings: false }, modelFolder, outputFolder: path.join(dataDir, 'out-without-val'), dataDir: path.join(dataDir, 'elsewhere'), provenance: {} },
      hooks(lines),
    );
    expect(outcome.decoderFile).toBe('onnx/model_int8.onnx');
    expect(outcome.metrics.perplexityChangePercent).toBeUndefined();
    expect(outcome.validationNote).toMatch(/does not record where its training tokens are/);
    expect(lines.some((line) => line.includes('without val loss'))).toBe(true);
  }, 60_000);

  it('rejects with the clear error when the model is already quantized', async () => {
    const quantized = path.join(dataDir, 'out-with-val');
    await expect(createQuantizationCapability().quantize({ config: CONFIG, modelFolder: quantized, outputFolder: path.join(dataDir, 'twice'), dataDir, provenance: {} }, hooks([]))).rejects.toThrow(/is already quantized/);
  }, 60_000);

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const request = { config: CONFIG, modelFolder, outputFolder: path.join(dataDir, 'cancelled'), dataDir, provenance: {} };
    await expect(createQuantizationCapability().quantize(request, { signal: controller.signal, log: () => {} })).rejects.toThrow(/quantize cancelled/);
  });
});

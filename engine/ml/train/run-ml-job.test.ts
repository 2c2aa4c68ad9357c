// Jobs on the worker thread: pretraining writes the Hugging Face folder while the main event loop stays free,
// a cancel stops a long run within seconds, and evaluation reports loss, bits per character and samples.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../export/model-folder.ts';
import { runMlJob } from './run-ml-job.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './testing/tiny-settings.ts';
import type { StepReport } from './trainer.ts';
import type { MlWorkerJob } from './worker-protocol.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-worker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), shakespeareExcerpt(20_000));
const modelFolder = path.join(root, 'model');

function pretrainJob(maxSteps: number, checkpointName: string, folder: string): Extract<MlWorkerJob, { kind: 'pretrain' }> {
  return {
    kind: 'pretrain',
    training: { settings: { ...TINY_SETTINGS, maxSteps }, trainShard: path.join(tokens.folder, 'train'), valShard: path.join(tokens.folder, 'val'), checkpointDir: path.join(root, checkpointName) },
    export: { folder, tokenizerJsonPath: path.join(tokens.folder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: { node: 'train' } },
  };
}

/** The longest pause of the main event loop while `work` runs. */
async function longestEventLoopGapMs<T>(work: Promise<T>): Promise<{ result: T; gapMs: number }> {
  let last = performance.now();
  let gapMs = 0;
  const timer = setInterval(() => {
    gapMs = Math.max(gapMs, performance.now() - last);
    last = performance.now();
  }, 5);
  try {
    return { result: await work, gapMs };
  } finally {
    clearInterval(timer);
  }
}

describe('runMlJob', () => {
  it('pretrains on a worker thread and writes the model folder, keeping the main loop free', async () => {
    const reports: StepReport[] = [];
    const startedAt = performance.now();
    const { result, gapMs } = await longestEventLoopGapMs(runMlJob(pretrainJob(20, 'pretrain', modelFolder), { onStep: (report) => reports.push(report) }));
    const tookMs = performance.now() - startedAt;
    expect(reports.map((report) => report.step)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(result.metrics).toMatchObject({ steps: 20 });
    expect(result.vocabSize).toBe(tokens.vocabSize);
    for (const file of [MODEL_FILES.config, MODEL_FILES.weights, MODEL_FILES.decoder, MODEL_FILES.tokenizer, MODEL_FILES.provenance]) {
      expect(existsSync(path.join(modelFolder, file)), file).toBe(true);
    }
    // ~10 ms here. Training on the main thread would stall it for most of the run; a loaded machine can pause a free
    // main thread too, and makes the run slower by as much, so the bound grows with the run.
    expect(gapMs).toBeLessThan(Math.max(250, tookMs / 2));
  });

  it('stops a long run within a few seconds of a cancel', async () => {
    const controller = new AbortController();
    let cancelledAt = 0;
    const onStep = (report: StepReport) => {
      if (report.step === 3 && cancelledAt === 0) {
        cancelledAt = performance.now();
        controller.abort();
      }
    };
    const error = await runMlJob(pretrainJob(1_000_000, 'cancel', path.join(root, 'never')), { signal: controller.signal, onStep }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - cancelledAt).toBeLessThan(3000);
    expect(existsSync(path.join(root, 'never'))).toBe(false);
  });

  it('evaluates the model: loss, perplexity, bits per character and samples', async () => {
    const job = (seed: number): Extract<MlWorkerJob, { kind: 'evaluate' }> => ({
      kind: 'evaluate',
      evaluation: { modelFolder, valShard: path.join(tokens.folder, 'val'), valMask: null, batchSize: 4, evalBatches: 3, samples: 2, maxNewTokens: 24, prompt: 'ROMEO:', temperature: 0.8, topK: 10, seed, threads: 1 },
    });
    const report = await runMlJob(job(5));
    expect(report.valLoss).toBeGreaterThan(0);
    expect(report.perplexity).toBeCloseTo(Math.exp(report.valLoss), 6);
    expect(report.tokensScored).toBe(3 * 4 * TINY_SETTINGS.blockSize);
    // One token per character: bits per character equal bits per token.
    expect(report.bitsPerCharacter).toBeCloseTo(report.bitsPerToken, 6);
    expect(report.samples).toHaveLength(2);
    for (const sample of report.samples) expect(sample.tokens).toBe(24);
    expect(report.samples[0]?.text).not.toBe(report.samples[1]?.text);
  });
});

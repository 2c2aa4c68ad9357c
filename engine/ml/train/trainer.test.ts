// The trainer: losses fall and are reported with the schedule's rates, a cancelled run resumed from its checkpoint
// reproduces an uninterrupted run step for step (dropout and accumulation included), foreign checkpoints are ignored,
// a loss mask weighs the loss (all ones is the plain mean), and a failed release leaves nothing else held.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { LossEvaluator } from './loss-evaluator.ts';
import { learningRateAt } from './lr-schedule.ts';
import { TrainStepSession } from './step/step-session.ts';
import { TokenShardReader } from './token-windows.ts';
import { trainRecording } from './testing/cancelled-training.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './testing/tiny-settings.ts';
import { activationBytesPerRow } from './memory-plan.ts';
import { modelConfigFor, trainGpt2, type StepReport } from './trainer.ts';
import type { TrainingJob, TrainingSettings } from './training-settings.ts';
import { releaseSpy } from './testing/release-spy.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-trainer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), shakespeareExcerpt(20_000));

function jobFor(settings: TrainingSettings, checkpointName: string): TrainingJob {
  return { settings, trainShard: path.join(tokens.folder, 'train'), valShard: path.join(tokens.folder, 'val'), checkpointDir: path.join(root, checkpointName) };
}

describe('trainGpt2', () => {
  it('reports every step with the scheduled rate, evaluates on schedule and lowers the loss', async () => {
    const settings = { ...TINY_SETTINGS, maxSteps: 30, evalInterval: 10, learningRate: 3e-2, warmupSteps: 3 };
    const { reports, result } = await trainRecording(jobFor(settings, 'learns'));
    expect(reports.map((report) => report.step)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    reports.forEach((report, index) => expect(report.learningRate).toBe(learningRateAt(index, { ...settings, decaySteps: 30 })));
    expect(reports.filter((report) => report.valLoss !== undefined).map((report) => report.step)).toEqual([10, 20, 30]);
    const [first, last] = [reports[9]?.valLoss as number, reports[29]?.valLoss as number];
    expect(reports[0]?.loss).toBeGreaterThan(Math.log(tokens.vocabSize) - 0.3);
    expect(last).toBeLessThan(first);
    expect(reports[29]).toMatchObject({ maxSteps: 30, etaMs: 0 });
    expect(reports[5]?.tokensPerSec).toBeGreaterThan(0);
    expect(result?.metrics).toMatchObject({ steps: 30, valLoss: last });
  });

  for (const [label, overrides] of [
    ['fused steps with dropout', { dropout: 0.1 }],
    ['accumulated steps with dropout', { dropout: 0.1, gradAccumSteps: 2, batchSize: 2 }],
  ] as const) {
    it(`resumes a cancelled run exactly as an uninterrupted one (${label})`, async () => {
      const settings = { ...TINY_SETTINGS, ...overrides };
      const straight = await trainRecording(jobFor(settings, `straight-${label}`));
      const cancelled = await trainRecording(jobFor(settings, `resumed-${label}`), 5);
      expect(cancelled.error?.name).toBe('AbortError');
      expect(cancelled.reports).toHaveLength(5);
      const resumed = await trainRecording(jobFor(settings, `resumed-${label}`));
      expect(resumed.result?.resumedFromStep).toBe(3);
      expect(resumed.reports.map((report) => report.step)).toEqual([4, 5, 6, 7, 8]);
      const lossesOf = (reports: StepReport[]) => reports.map(({ step, loss, trainLoss, valLoss, gradNorm }) => ({ step, loss, trainLoss, valLoss, gradNorm }));
      expect(lossesOf(resumed.reports)).toEqual(lossesOf(straight.reports.slice(3)));
      for (const [name, tensor] of straight.result?.parameters ?? []) {
        expect(resumed.result?.parameters.get(name)?.data, name).toEqual(tensor.data);
      }
    });
  }

  it('splits batches over the memory budget into chunks without changing the losses', async () => {
    const settings = { ...TINY_SETTINGS, maxSteps: 4, evalInterval: 2 };
    const whole = await trainRecording(jobFor(settings, 'unsplit'));
    const logs: string[] = [];
    const perRow = activationBytesPerRow(modelConfigFor(settings, tokens.vocabSize), settings.blockSize);
    const split = await trainGpt2({ ...jobFor(settings, 'split'), activationBudgetBytes: 2 * perRow }, { onLog: (line) => logs.push(line) });
    expect(logs.join('\n')).toMatch(/split into 2 chunks of 2 rows/);
    expect(split.metrics.valLoss).toBeCloseTo(whole.result?.metrics.valLoss as number, 4);
    expect(split.metrics.loss).toBeCloseTo(whole.result?.metrics.loss as number, 4);
  });

  it('splits a loss-masked batch without changing the losses, the gradients or the weights', async () => {
    // Sparse trained spans: most one-row chunks hold no trained target, which an equal mean over chunks would count.
    const settings = { ...TINY_SETTINGS, maxSteps: 4, evalInterval: 4 };
    const masks = { trainMask: path.join(root, 'sparse.train.mask.bin'), valMask: path.join(root, 'sparse.val.mask.bin') };
    writeFileSync(masks.trainMask, Uint8Array.from({ length: tokens.trainTokens }, (_, index) => (index % 100 < 8 ? 1 : 0)));
    writeFileSync(masks.valMask, Uint8Array.from({ length: tokens.valTokens }, (_, index) => (index % 100 < 8 ? 1 : 0)));
    const whole = await trainRecording({ ...jobFor(settings, 'sparse-unsplit'), ...masks });
    const perRow = activationBytesPerRow(modelConfigFor(settings, tokens.vocabSize), settings.blockSize);
    const logs: string[] = [];
    const reports: StepReport[] = [];
    const split = await trainGpt2({ ...jobFor(settings, 'sparse-split'), ...masks, activationBudgetBytes: perRow }, { onLog: (line) => logs.push(line), onStep: (report) => reports.push(report) });
    expect(logs.join('\n')).toMatch(/split into 4 chunks of 1 rows/);
    reports.forEach((report, index) => {
      expect(report.loss).toBeCloseTo(whole.reports[index]?.loss as number, 4);
      expect(report.gradNorm).toBeCloseTo(whole.reports[index]?.gradNorm as number, 4);
    });
    for (const [name, tensor] of whole.result?.parameters ?? []) {
      const other = split.parameters.get(name)?.data as Float32Array;
      const largest = (tensor.data as Float32Array).reduce((most, value, index) => Math.max(most, Math.abs(value - other[index]!)), 0);
      expect(largest, name).toBeLessThan(1e-5);
    }
  });

  it('starts over when the checkpoint belongs to other settings', async () => {
    await trainRecording(jobFor(TINY_SETTINGS, 'foreign'));
    const logs: string[] = [];
    const changed = { ...TINY_SETTINGS, learningRate: 5e-3 };
    const result = await trainGpt2(jobFor(changed, 'foreign'), { onLog: (line) => logs.push(line) });
    expect(result.resumedFromStep).toBeNull();
    expect(logs.join('\n')).toMatch(/belongs to other settings or data; starting from step 0/);
  });

  it('weighs the loss by the tokens\' loss mask: all ones trains as plain text, a partial mask differently', async () => {
    const settings = { ...TINY_SETTINGS, maxSteps: 4, evalInterval: 2 };
    const writeMasks = (name: string, weightAt: (index: number) => number) => {
      const masks = { train: tokens.trainTokens, val: tokens.valTokens };
      for (const [split, count] of Object.entries(masks)) writeFileSync(path.join(root, `${name}.${split}.mask.bin`), Uint8Array.from({ length: count }, (_, index) => weightAt(index)));
      return { trainMask: path.join(root, `${name}.train.mask.bin`), valMask: path.join(root, `${name}.val.mask.bin`) };
    };
    const plain = await trainRecording(jobFor(settings, 'mask-plain'));
    const ones = await trainRecording({ ...jobFor(settings, 'mask-ones'), ...writeMasks('ones', () => 1) });
    const losses = (reports: StepReport[]) => reports.map(({ loss, valLoss }) => [loss, valLoss ?? 0]).flat();
    losses(ones.reports).forEach((loss, index) => expect(loss).toBeCloseTo(losses(plain.reports)[index] as number, 5));
    const half = await trainRecording({ ...jobFor(settings, 'mask-half'), ...writeMasks('half', (index) => (Math.floor(index / 40) % 2)) });
    expect(Math.abs((half.reports[0]?.loss as number) - (plain.reports[0]?.loss as number))).toBeGreaterThan(1e-4);
    expect(half.result?.metrics.valLoss).toBeGreaterThan(0);
    await expect(trainGpt2({ ...jobFor(settings, 'mask-one-split'), trainMask: path.join(root, 'half.train.mask.bin') })).rejects.toThrow(/trainMask .* and valMask .* go together/);
  });

  describe('when a release fails', () => {
    afterEach(() => vi.restoreAllMocks());
    const settings = { ...TINY_SETTINGS, maxSteps: 2, evalInterval: 2 };
    it('still releases the other sessions and closes the shards, then reports the failure', async () => {
      const runnerRelease = releaseSpy(TrainStepSession.prototype, 'step session release failed');
      const evaluatorRelease = vi.spyOn(LossEvaluator.prototype, 'release');
      const close = vi.spyOn(TokenShardReader.prototype, 'close');
      await expect(trainGpt2(jobFor(settings, 'release-fails'))).rejects.toThrow('step session release failed');
      expect(runnerRelease).toHaveBeenCalledOnce();
      expect(evaluatorRelease).toHaveBeenCalledOnce();
      expect(close).toHaveBeenCalledTimes(2); // train and val
    });

    it("reports the training's own error, not a release's, after releasing everything", async () => {
      releaseSpy(TrainStepSession.prototype, 'step session release failed');
      const evaluatorRelease = vi.spyOn(LossEvaluator.prototype, 'release');
      const close = vi.spyOn(TokenShardReader.prototype, 'close');
      const hooks = { onStep: () => { throw new Error('the step hook failed'); } };
      await expect(trainGpt2(jobFor(settings, 'training-fails'), hooks)).rejects.toThrow('the step hook failed');
      expect(evaluatorRelease).toHaveBeenCalledOnce();
      expect(close).toHaveBeenCalledTimes(2);
    });
  });
});

// Distillation through the trainer: the loss falls and splits into its KD and CE terms, the teacher's val loss is
// measured on the student's windows, a cancelled run resumes exactly, and a teacher with another vocabulary is refused.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelFolder } from '../export/model-folder.ts';
import { writeCharTokensArtifact } from '../train/testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from '../train/testing/tiny-settings.ts';
import { trainGpt2, type StepReport } from '../train/trainer.ts';
import type { TrainingJob, TrainingSettings } from '../train/training-settings.ts';
import type { DistillationJob } from './distillation-setup.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-distill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const text = shakespeareExcerpt(20_000);
const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), text);
const teacherFolder = path.join(root, 'teacher');
const STUDENT: TrainingSettings = { ...TINY_SETTINGS, maxSteps: 12, evalInterval: 6, checkpointInterval: 4, learningRate: 2e-2 };

function jobFor(settings: TrainingSettings, checkpointName: string, distillation: Partial<DistillationJob> = {}): TrainingJob {
  return {
    settings,
    trainShard: path.join(tokens.folder, 'train'),
    valShard: path.join(tokens.folder, 'val'),
    checkpointDir: path.join(root, checkpointName),
    distillation: { teacherFolder, teacherKey: 'teacher-key', temperature: 2, alpha: 0.5, initFromTeacher: false, ...distillation },
  };
}

async function train(job: TrainingJob, options: { stopAfterStep?: number; logs?: string[] } = {}) {
  const reports: StepReport[] = [];
  const controller = new AbortController();
  const onStep = (report: StepReport) => {
    reports.push(report);
    if (report.step === options.stopAfterStep) controller.abort();
  };
  try {
    return { reports, result: await trainGpt2(job, { signal: controller.signal, onStep, onLog: (line) => options.logs?.push(line) }) };
  } catch (error) {
    return { reports, error: error as Error };
  }
}

beforeAll(async () => {
  const teacherSettings = { ...TINY_SETTINGS, nLayer: 2, nEmbd: 32, maxSteps: 40, evalInterval: 40, learningRate: 2e-2, warmupSteps: 4 };
  const { distillation: _none, ...pretrainJob } = jobFor(teacherSettings, 'teacher-checkpoints');
  const teacher = await trainGpt2(pretrainJob);
  writeModelFolder(teacherFolder, { config: teacher.config, parameters: teacher.parameters, tokenizerJsonPath: path.join(tokens.folder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: {} });
});

describe('distillation in the trainer', () => {
  it('lowers the loss, reports its KD and CE parts and the teacher val loss', async () => {
    const logs: string[] = [];
    const { reports, result, error } = await train(jobFor(STUDENT, 'learns'), { logs });
    expect(error).toBeUndefined();
    for (const report of reports) {
      expect(report.kdLoss).toBeGreaterThan(0);
      expect(report.loss).toBeCloseTo(0.5 * (report.kdLoss as number) + 0.5 * (report.ceLoss as number), 5);
    }
    expect(reports.at(-1)?.loss).toBeLessThan(reports[0]?.loss as number);
    expect(reports.at(-1)?.kdLoss).toBeLessThan(reports[0]?.kdLoss as number);
    expect(result?.metrics.teacherValLoss).toBeGreaterThan(0);
    expect(result?.metrics.teacherValLoss).toBeLessThan(Math.log(tokens.vocabSize));
    expect(logs.join('\n')).toMatch(/teacher val loss \d/);
  });

  it('trains on the targets alone at alpha 0, with the same losses as pretraining', async () => {
    const settings = { ...STUDENT, maxSteps: 4 };
    const distilled = await train(jobFor(settings, 'alpha-zero', { alpha: 0 }));
    const { distillation: _none, ...pretrainJob } = jobFor(settings, 'alpha-zero-pretrain');
    const pretrained = await train(pretrainJob);
    expect(distilled.reports.map((report) => report.loss)).toEqual(pretrained.reports.map((report) => report.loss));
    expect(distilled.reports.map((report) => report.ceLoss)).toEqual(pretrained.reports.map((report) => report.loss));
  });

  it('resumes a cancelled distillation exactly as an uninterrupted one', async () => {
    const straight = await train(jobFor(STUDENT, 'straight'));
    const cancelled = await train(jobFor(STUDENT, 'resumed'), { stopAfterStep: 6 });
    expect(cancelled.error?.name).toBe('AbortError');
    const resumed = await train(jobFor(STUDENT, 'resumed'));
    expect(resumed.result?.resumedFromStep).toBe(4);
    const lossesOf = (reports: StepReport[]) => reports.map(({ step, loss, kdLoss, ceLoss, valLoss }) => ({ step, loss, kdLoss, ceLoss, valLoss }));
    expect(lossesOf(resumed.reports)).toEqual(lossesOf(straight.reports.slice(4)));
  });

  it('does not resume a checkpoint made with another teacher', async () => {
    await train(jobFor(STUDENT, 'other-teacher'), { stopAfterStep: 5 });
    const logs: string[] = [];
    const again = await train(jobFor({ ...STUDENT, maxSteps: 5 }, 'other-teacher', { teacherKey: 'a-different-teacher' }), { logs });
    expect(again.result?.resumedFromStep).toBeNull();
    expect(logs.join('\n')).toMatch(/belongs to other settings or data/);
  });

  it('starts from the teacher weights when asked and the widths match', async () => {
    const logs: string[] = [];
    const settings = { ...STUDENT, nEmbd: 32, maxSteps: 1 };
    const fromTeacher = await train(jobFor(settings, 'init', { initFromTeacher: true }), { logs });
    const fromSeed = await train(jobFor(settings, 'no-init'));
    expect(logs.join('\n')).toMatch(/starts with the teacher's embeddings, final LayerNorm and blocks 0/);
    // A seeded student starts near ln(V); one with the teacher's embeddings and first block already predicts text.
    expect(fromSeed.reports[0]?.ceLoss).toBeGreaterThan(Math.log(tokens.vocabSize) - 0.3);
    expect(fromTeacher.reports[0]?.ceLoss).toBeLessThan((fromSeed.reports[0]?.ceLoss as number) - 0.5);
  });

  it('warns when the student is not smaller than the teacher', async () => {
    const logs: string[] = [];
    const { error } = await train(jobFor({ ...STUDENT, nLayer: 2, nEmbd: 32, maxSteps: 1 }, 'same-size'), { logs });
    expect(error).toBeUndefined();
    expect(logs.join('\n')).toMatch(/warning: the student \([\d,]+ parameters\) is not smaller than the teacher/);
  });

  it('refuses tokens made by another tokenizer, even one with the same vocabulary size', async () => {
    const otherText = text.replaceAll('e', '#');
    const otherTokens = writeCharTokensArtifact(path.join(root, 'other-tokens'), otherText);
    expect(otherTokens.vocabSize).toBe(tokens.vocabSize);
    const job = { ...jobFor(STUDENT, 'mismatch'), trainShard: path.join(otherTokens.folder, 'train'), valShard: path.join(otherTokens.folder, 'val') };
    const { error } = await train(job);
    expect(error?.message).toMatch(/teacher and student must share the tokenizer, but the tokens input was made by a different tokenizer/);
  });

  it("refuses a student context longer than the teacher's", async () => {
    const { error } = await train(jobFor({ ...STUDENT, blockSize: 32 }, 'too-long'));
    expect(error?.message).toMatch(/student's blockSize \(32\) is longer than the teacher's context \(16\)/);
  });
});

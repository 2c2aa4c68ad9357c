// Samples while training: the trainer logs one sample per evaluation, from the configured prompt with the tokenizer
// of the training tokens, seeded by step so a rerun writes the same samples; sampling leaves the trajectory alone;
// a prompt that encodes to nothing turns samples off with a warning instead of failing the run.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSampleLogLine } from '../../../app/run/training-sample.ts';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './testing/tiny-settings.ts';
import { trainGpt2, type StepReport } from './trainer.ts';
import type { TrainingJob } from './training-settings.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-samples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const text = shakespeareExcerpt(8_000);
const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), text);
const settings = { ...TINY_SETTINGS, maxSteps: 6, evalInterval: 3 };

async function train(name: string, sample: TrainingJob['sample']) {
  const logs: string[] = [];
  const reports: StepReport[] = [];
  const job: TrainingJob = { settings, trainShard: path.join(tokens.folder, 'train'), valShard: path.join(tokens.folder, 'val'), checkpointDir: path.join(root, name), ...(sample ? { sample } : {}) };
  const result = await trainGpt2(job, { onLog: (line) => logs.push(line), onStep: (report) => reports.push(report) });
  return { logs, reports, result };
}

describe('samples while training', () => {
  const sample = { prompt: 'ROMEO:\n', maxNewTokens: 12, tokenizerJsonPath: path.join(tokens.folder, 'tokenizer.json') };

  it('logs a sample of the prompt continued at each evaluation, the same on a rerun, without changing the run', async () => {
    const first = await train('first', sample);
    const samples = first.logs.map(parseSampleLogLine).filter((one) => one !== null);
    expect(samples.map((one) => [one.step, one.prompt])).toEqual([
      [3, 'ROMEO:\n'],
      [6, 'ROMEO:\n'],
    ]);
    const tokenizer = loadHuggingFaceTokenizer(JSON.parse(readFileSync(sample.tokenizerJsonPath, 'utf8')));
    for (const one of samples) expect(tokenizer.encode(one.text)).toHaveLength(12);
    expect(samples[0]!.text).not.toBe(samples[1]!.text);
    const again = await train('again', sample);
    expect(again.logs.map(parseSampleLogLine).filter((one) => one !== null)).toEqual(samples);
    const without = await train('without', undefined);
    expect(without.logs.some((line) => parseSampleLogLine(line) !== null)).toBe(false);
    expect(without.reports.map((report) => report.loss)).toEqual(first.reports.map((report) => report.loss));
  });

  it('goes on without samples, and says why, when the prompt encodes to no tokens', async () => {
    const { logs, result } = await train('empty', { ...sample, prompt: '' });
    expect(logs).toContainEqual('warning: samplePrompt "" encodes to no tokens, so no samples are written; give it at least one character, or set sampleTokens to 0');
    expect(logs.some((line) => parseSampleLogLine(line) !== null)).toBe(false);
    expect(result.metrics.steps).toBe(6);
  });
});

// BPE training to a vocabulary size: Crucible (a child process streaming the file into trainBpe) against
// sentencepiece's `spm_train --model_type=bpe` (Debian package `sentencepiece`), both as whole processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandExists, median, medianOfRuns, runMeasured } from './measure.ts';

export interface TrainingComparison {
  crucible: { processSeconds: number; trainSeconds: number; peakRssMb: number };
  /** Undefined when spm_train is not installed. */
  sentencepiece: { processSeconds: number; peakRssMb: number | undefined } | undefined;
}

const CHILD = path.join(import.meta.dirname, 'train-child.ts');

export function compareTraining(textPath: string, vocabSize: number, runs: number): TrainingComparison {
  const crucibleRuns = medianOfRuns(runs, () => runMeasured(process.execPath, ['--import', 'tsx', CHILD, textPath, String(vocabSize)]));
  const reports = crucibleRuns.all.map((run) => JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as { trainSeconds: number; peakRssMb: number });
  const crucible = {
    processSeconds: crucibleRuns.wallSeconds,
    trainSeconds: median(reports.map((report) => report.trainSeconds)),
    peakRssMb: crucibleRuns.peakRssMb ?? median(reports.map((report) => report.peakRssMb)),
  };
  if (!commandExists('spm_train')) return { crucible, sentencepiece: undefined };
  const outputDir = mkdtempSync(path.join(tmpdir(), 'crucible-spm-bench-'));
  try {
    const args = [`--input=${textPath}`, `--model_prefix=${path.join(outputDir, 'bench')}`, `--vocab_size=${vocabSize}`, '--model_type=bpe', '--minloglevel=2'];
    const spm = medianOfRuns(runs, () => runMeasured('spm_train', args));
    return { crucible, sentencepiece: { processSeconds: spm.wallSeconds, peakRssMb: spm.peakRssMb } };
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

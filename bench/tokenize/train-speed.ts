// BPE training to a vocabulary size: Crucible (a child process streaming the file into trainBpe) against
// sentencepiece's `spm_train --model_type=bpe` (Debian package `sentencepiece`), both as whole processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { median } from '../median.ts';
import { commandExists, medianOfRuns, runMeasured } from './measure.ts';

export interface TrainingComparison {
  crucible: { processSeconds: number; trainSeconds: number; peakRssMb: number };
  /** The same child bundled into one file first, as a packaged build runs it: no TypeScript loader at start-up. */
  bundled: { processSeconds: number };
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
  const outputDir = mkdtempSync(path.join(tmpdir(), 'crucible-spm-bench-'));
  try {
    // Inside node_modules so the bundle's remaining bare imports (the worker loader) still resolve.
    const bundle = path.resolve(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'crucible-bench', 'train-child.mjs');
    buildSync({ entryPoints: [CHILD], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'warning' });
    const bundled = { processSeconds: medianOfRuns(runs, () => runMeasured(process.execPath, [bundle, textPath, String(vocabSize)])).wallSeconds };
    if (!commandExists('spm_train')) return { crucible, bundled, sentencepiece: undefined };
    const args = [`--input=${textPath}`, `--model_prefix=${path.join(outputDir, 'bench')}`, `--vocab_size=${vocabSize}`, '--model_type=bpe', '--minloglevel=2'];
    const spm = medianOfRuns(runs, () => runMeasured('spm_train', args));
    return { crucible, bundled, sentencepiece: { processSeconds: spm.wallSeconds, peakRssMb: spm.peakRssMb } };
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

// Turns the training benchmark's worker replies into per-implementation figures and prints them as a markdown
// table, with Crucible's ratio to PyTorch (lower is better for ms/iter, higher for tokens/s).

import type { BenchModel, EvalReply, FinishReply, ReadyReply, TrainReply } from './train-protocol.ts';
import { median } from './median.ts';

export interface ImplementationResult {
  label: string;
  model: BenchModel;
  parameters: number;
  steps: number;
  medianStepMs: number;
  tokensPerSecond: number;
  finalTrainLoss: number;
  valLoss: number | null;
  /** Training iterations plus evaluation; process start-up and session creation are in setupMs. */
  wallSeconds: number;
  setupMs: number;
  peakRssMb: number;
}

export function summarize(input: { label: string; model: BenchModel; ready: ReadyReply; trained: TrainReply; evaluated: EvalReply | null; finished: FinishReply }): ImplementationResult {
  const { label, model, ready, trained, evaluated, finished } = input;
  const trainMs = trained.stepMs.reduce((total, ms) => total + ms, 0);
  const tokens = trained.stepMs.length * model.batchSize * model.blockSize;
  const lastLosses = trained.losses.slice(-20);
  return {
    label,
    model,
    parameters: ready.parameters,
    steps: trained.stepMs.length,
    medianStepMs: median(trained.stepMs),
    tokensPerSecond: tokens / (trainMs / 1000),
    finalTrainLoss: lastLosses.reduce((total, loss) => total + loss, 0) / Math.max(1, lastLosses.length),
    valLoss: evaluated?.valLoss ?? null,
    wallSeconds: (trainMs + (evaluated?.wallMs ?? 0)) / 1000,
    setupMs: ready.setupMs,
    peakRssMb: finished.peakRssMb,
  };
}

const COLUMNS = ['config', 'impl', 'params', 'steps', 'ms/iter (median)', 'tokens/s', 'train loss (last 20)', 'val loss', 'wall s', 'setup s', 'peak RSS MB'];

export function formatResultTable(groups: readonly ImplementationResult[][], threads: number, torchWaitPolicy: string): string {
  const rows: string[][] = [];
  for (const group of groups) {
    for (const result of group) {
      rows.push([
        result.model.name,
        result.label,
        `${(result.parameters / 1e6).toFixed(2)}M`,
        String(result.steps),
        result.medianStepMs.toFixed(1),
        result.tokensPerSecond.toFixed(0),
        result.finalTrainLoss.toFixed(4),
        result.valLoss === null ? '-' : result.valLoss.toFixed(4),
        result.wallSeconds.toFixed(1),
        (result.setupMs / 1000).toFixed(1),
        result.peakRssMb.toFixed(0),
      ]);
    }
    const [crucible, torch] = [group.find((r) => r.label === 'crucible'), group.find((r) => r.label === 'pytorch')];
    if (crucible !== undefined && torch !== undefined) {
      const ratio = (value: number) => `${value.toFixed(2)}x`;
      rows.push([crucible.model.name, 'crucible / pytorch', '', '', ratio(crucible.medianStepMs / torch.medianStepMs), ratio(crucible.tokensPerSecond / torch.tokensPerSecond), '', '', ratio(crucible.wallSeconds / torch.wallSeconds), '', ratio(crucible.peakRssMb / torch.peakRssMb)]);
    }
  }
  const header = `| ${COLUMNS.join(' | ')} |\n|${COLUMNS.map(() => ' --- ').join('|')}|`;
  const setting = `CPU threads: ${threads} per implementation, run one at a time in alternating chunks; PyTorch OpenMP: ${torchWaitPolicy}`;
  return `${setting}\n${header}\n${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}`;
}

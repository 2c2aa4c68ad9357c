// The markdown bench:finetune prints for its speed half: one row per implementation and method, ratio rows, and the
// issue 13 §5 goals (full step <= 1.0x PyTorch's, LoRA step <= 0.7x our full step, peak RSS <= 6 GB full, <= 3 GB LoRA).

import type { FinetuneMethod, FinetuneWorkerResult, FinetuneWorkerSettings } from './finetune-protocol.ts';

export interface SpeedRow {
  method: FinetuneMethod;
  result: FinetuneWorkerResult;
  medianMs: number;
  medianCpuMs: number;
  tokensPerStep: number;
  /** Load average (1, 5, 15 min) before → after the run. */
  load: string;
}

/** 1 GB = 1024 MB here, as RSS is reported in MiB. */
const GOAL_RSS_MB: Record<FinetuneMethod, number> = { full: 6 * 1024, lora: 3 * 1024 };

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-');
const ratio = (numerator: number | undefined, denominator: number | undefined) =>
  numerator === undefined || denominator === undefined ? Number.NaN : numerator / denominator;
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '-');
const verdict = (value: number, limit: number) => (Number.isFinite(value) ? (value <= limit ? 'met' : 'missed') : 'not measured');

export function formatSpeedTable(rows: readonly SpeedRow[], settings: Omit<FinetuneWorkerSettings, 'method'>): string {
  const find = (method: FinetuneMethod, implementation: 'crucible' | 'pytorch') =>
    rows.find((row) => row.method === method && (implementation === 'crucible' ? row.result.implementation === 'crucible' : row.result.implementation !== 'crucible'));
  const { model } = settings;
  const lines = [
    `GPT-2 ${model.nLayer}/${model.nHead}/${model.nEmbd}, vocabulary ${model.vocabSize}, context ${model.blockSize}, random weights; batch ${settings.batch} x ${settings.time} tokens, ` +
      `${settings.threads} threads, float32, AdamW + clip 1.0; LoRA rank ${settings.lora.rank}, alpha ${settings.lora.alpha}, targets ${settings.lora.targets.join(', ')}, dropout 0. ` +
      `Median of ${settings.steps} steps after ${settings.warmupSteps} warmup.`,
    '',
    '| method | implementation | ms/step (median) | min-max ms | CPU ms/step (median) | tokens/s | peak RSS MB | trained parameters | micro-batches | load avg before → after |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const method of ['full', 'lora'] as const) {
    const ours = find(method, 'crucible');
    const theirs = find(method, 'pytorch');
    for (const row of [ours, theirs]) {
      if (row === undefined) continue;
      const { result } = row;
      lines.push(
        `| ${method} | ${result.implementation} | ${fixed(row.medianMs)} | ${fixed(Math.min(...result.stepMs))}-${fixed(Math.max(...result.stepMs))} | ${fixed(row.medianCpuMs)} | ${fixed((row.tokensPerStep * 1000) / row.medianMs)} | ` +
          `${fixed(result.peakRssMb)} | ${result.trainedParameters.toLocaleString('en-US')} | ${result.microBatches} | ${row.load} |`,
      );
    }
    if (ours !== undefined && theirs !== undefined) {
      lines.push(`| ${method} | crucible / pytorch | ${times(ratio(ours.medianMs, theirs.medianMs))} | | ${times(ratio(ours.medianCpuMs, theirs.medianCpuMs))} | | ${times(ratio(ours.result.peakRssMb, theirs.result.peakRssMb))} | | | |`);
    }
  }
  const full = find('full', 'crucible');
  const lora = find('lora', 'crucible');
  const fullVsTorch = ratio(full?.medianMs, find('full', 'pytorch')?.medianMs);
  const loraVsFull = ratio(lora?.medianMs, full?.medianMs);
  const fullVsTorchCpu = ratio(full?.medianCpuMs, find('full', 'pytorch')?.medianCpuMs);
  const loraVsFullCpu = ratio(lora?.medianCpuMs, full?.medianCpuMs);
  lines.push(
    '',
    '| goal (issue 13 §5) | measured (wall) | | measured (CPU time) | |',
    '| --- | --- | --- | --- | --- |',
    `| full step <= 1.0x PyTorch's | ${times(fullVsTorch)} | ${verdict(fullVsTorch, 1)} | ${times(fullVsTorchCpu)} | ${verdict(fullVsTorchCpu, 1)} |`,
    `| LoRA step <= 0.7x Crucible's full step | ${times(loraVsFull)} | ${verdict(loraVsFull, 0.7)} | ${times(loraVsFullCpu)} | ${verdict(loraVsFullCpu, 0.7)} |`,
    `| peak RSS full <= 6 GB | ${fixed(full?.result.peakRssMb ?? Number.NaN)} MB | ${verdict(full?.result.peakRssMb ?? Number.NaN, GOAL_RSS_MB.full)} | | |`,
    `| peak RSS LoRA <= 3 GB | ${fixed(lora?.result.peakRssMb ?? Number.NaN)} MB | ${verdict(lora?.result.peakRssMb ?? Number.NaN, GOAL_RSS_MB.lora)} | | |`,
  );
  const notes = [...new Set(rows.map((row) => row.result.planNote).filter((note) => note !== undefined))];
  if (notes.length > 0) lines.push('', ...notes.map((note) => `Crucible ${note}.`));
  return lines.join('\n');
}

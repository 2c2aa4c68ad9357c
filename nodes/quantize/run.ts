// Engine side of the quantize node: a new Model artifact holding the input model's files plus an int8 or int4
// MatMulNBits decoder, with report.json comparing it to the float32 decoder (through ctx.capabilities.quantization).
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { QuantizeConfig } from '../capabilities/quantization.ts';
import { provenanceOf } from '../shared/provenance.ts';

export const quantizeRun: NodeRunOf<QuantizeConfig> = { type: 'quantize', run: runQuantize };

async function runQuantize(ctx: NodeRunContextOf<QuantizeConfig>): Promise<NodeRunResult> {
  const model = ctx.input('model');
  const { scheme, blockSize } = ctx.config;
  const provenance = provenanceOf(ctx, 'quantize', { model });
  ctx.progress({ fraction: 0, message: `quantizing to ${scheme} (block ${blockSize}), then measuring against float32` });
  const outcome = await ctx.capabilities.quantization.quantize(
    { config: ctx.config, modelFolder: model.path, outputFolder: ctx.outputDir('model'), dataDir: ctx.dataDir, provenance },
    { signal: ctx.signal, log: (line, level) => ctx.log(line, level) },
  );
  if (outcome.validationNote !== null) ctx.log(outcome.validationNote, 'warn');
  ctx.progress({ fraction: 1, message: summaryOf(outcome.metrics), metrics: outcome.metrics });
  const record = { ...ctx.config, decoderFile: outcome.decoderFile, reportFile: outcome.reportFile };
  const meta: Record<string, unknown> = { ...model.meta, quantization: record, metrics: outcome.metrics };
  if (Array.isArray(model.meta.files)) meta.files = [...(model.meta.files as unknown[]), outcome.decoderFile, outcome.reportFile];
  return { outputs: { model: { meta } }, metrics: outcome.metrics };
}

function summaryOf(metrics: Record<string, number>): string {
  const parts = [`size ${percent(metrics.sizeRatio)} of float32`, `decode ${(metrics.decodeSpeedRatio ?? 0).toFixed(2)}× float32`];
  if (metrics.perplexityChangePercent !== undefined) parts.push(`perplexity ${metrics.perplexityChangePercent >= 0 ? '+' : ''}${metrics.perplexityChangePercent.toFixed(2)}%`);
  return parts.join(', ');
}

function percent(ratio: number | undefined): string {
  return `${((ratio ?? 0) * 100).toFixed(1)}%`;
}

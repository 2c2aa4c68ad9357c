// Engine side of the distill node: trains a student on the Tokens artifact against the teacher Model through
// ctx.capabilities.training (a worker thread; resumable), and returns the student's model folder with the report.
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { DistillConfig } from '../capabilities/training.ts';
import type { DistillationReport } from '../../app/artifacts/reports.ts';
import { throttledStepProgress } from '../shared/step-progress.ts';
import { provenanceOf } from '../shared/provenance.ts';

export const distillRun: NodeRunOf<DistillConfig> = { type: 'distill', run: runDistill };

async function runDistill(ctx: NodeRunContextOf<DistillConfig>): Promise<NodeRunResult> {
  const teacher = ctx.input('teacher');
  const tokens = ctx.input('tokens');
  const provenance = provenanceOf(ctx, 'distill', { teacher, tokens });
  const result = await ctx.capabilities.training.distill(
    {
      config: ctx.config,
      teacherFolder: teacher.path,
      teacherKey: teacher.key,
      tokensFolder: tokens.path,
      tokensKey: tokens.key,
      dataDir: ctx.dataDir,
      outputFolder: ctx.outputDir('model'),
      provenance,
    },
    { signal: ctx.signal, log: (line, level) => ctx.log(line, level), onStep: throttledStepProgress((update) => ctx.progress(update)) },
  );
  if (result.resumedFromStep !== null) ctx.log(`resumed from the checkpoint at step ${result.resumedFromStep}`);
  for (const line of reportLines(result.report)) ctx.log(line);
  const { nLayer, nHead, nEmbd } = ctx.config;
  const meta = { architecture: 'gpt2', nLayer, nHead, nEmbd, vocabSize: result.vocabSize, parameterCount: result.parameterCount, files: result.files, metrics: result.metrics, distillation: result.report };
  const { teacher: teacherSide, student } = result.report;
  const metrics = {
    ...result.metrics,
    parameterCount: result.parameterCount,
    teacherParameters: teacherSide.parameters,
    teacherValLoss: teacherSide.valLoss,
    teacherDecodeTokensPerSec: teacherSide.decodeTokensPerSec,
    studentDecodeTokensPerSec: student.decodeTokensPerSec,
  };
  return { outputs: { model: { meta } }, metrics };
}

/** The report as a small table in the node's log. */
export function reportLines(report: DistillationReport): string[] {
  const row = (label: string, side: DistillationReport['teacher']) =>
    `${label.padEnd(8)} ${side.parameters.toLocaleString('en-US').padStart(12)} ${side.valLoss.toFixed(4).padStart(9)} ${side.decodeTokensPerSec.toFixed(1).padStart(14)}`;
  return [
    `${'model'.padEnd(8)} ${'parameters'.padStart(12)} ${'val loss'.padStart(9)} ${'decode tok/s'.padStart(14)}`,
    row('teacher', report.teacher),
    row('student', report.student),
    `the student has ${(100 * report.parameterRatio).toFixed(1)}% of the teacher's parameters and decodes ${report.decodeSpeedup.toFixed(2)}× as fast`,
  ];
}

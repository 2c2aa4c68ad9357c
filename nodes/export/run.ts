// Engine side of the export node: ctx.capabilities.exporting writes the model folder in the chosen format (on a worker
// thread) as the Export artifact, and copies it to outDir when one is set.
import { exportNameFrom } from '../../app/artifacts/export-layout.ts';
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { ExportConfig } from '../capabilities/export.ts';

export const exportRun: NodeRunOf<ExportConfig> = { type: 'export', run: runExport };

async function runExport(ctx: NodeRunContextOf<ExportConfig>): Promise<NodeRunResult> {
  const model = ctx.input('model');
  const report = ctx.inputs('report')[0] ?? null;
  const name = ctx.config.name !== '' ? ctx.config.name : exportNameFrom(ctx.nodeId);
  const what = ctx.config.format === 'gguf' ? `GGUF ${ctx.config.quantization}` : ctx.config.format;
  ctx.progress({ fraction: 0, message: `exporting "${name}" as ${what}` });
  const outcome = await ctx.capabilities.exporting.export(
    { config: ctx.config, name, modelFolder: model.path, reportFolder: report?.path ?? null, outputFolder: ctx.outputDir('export') },
    { signal: ctx.signal, log: (line, level) => ctx.log(line, level) },
  );
  for (const note of outcome.notes) ctx.log(note, 'warn');
  if (outcome.copy !== null) ctx.log(`${outcome.copy.result === 'filled' ? 'copied' : outcome.copy.result === 'replaced' ? 'replaced the earlier export' : 'wrote over the files'} in ${outcome.copy.folder}`);
  if (outcome.command !== null) ctx.log(`next: ${outcome.command}`);
  const metrics = { bytes: outcome.bytes, files: outcome.files.length };
  ctx.progress({ fraction: 1, message: `${what}: ${outcome.files.length} files, ${(outcome.bytes / 1e6).toFixed(2)} MB`, metrics });
  const meta = { format: ctx.config.format, name, fileType: outcome.fileType, files: outcome.files, bytes: outcome.bytes, command: outcome.command, copiedTo: outcome.copy?.folder ?? null };
  return { outputs: { export: { meta } }, metrics };
}

// `crucible export MODEL_DIR [--format gguf|hf|onnx] [--quantization f32|f16|q8_0|q4_0] [--out DIR] [--name N]
// [--license L] [--overwrite]`: what the export node does, for a model folder without a pipeline. The export is
// written to a temporary folder, then copied to --out under the node's outDir rules.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_NAME_PATTERN, exportNameFrom } from '../../../app/artifacts/export-layout.ts';
import { exportConfig } from '../../../nodes/export/spec.ts';
import { copyExport, exportTargetAction } from '../../ml/export/copy-export.ts';
import { exportModel } from '../../ml/export/export-model.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

const OPTIONS = {
  format: { type: 'string' },
  quantization: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  license: { type: 'string' },
  overwrite: { type: 'boolean' },
} as const;

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('export needs one MODEL_DIR: a model folder written by pretrain, distill or quantize');
  const modelDir = path.resolve(io.cwd, positionals[0]!);
  const parsed = exportConfig.safeParse({ format: values.format, quantization: values.quantization, license: values.license });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`export: --${String(issue.path[0])}: ${issue.message}`);
  }
  const config = parsed.data;
  const name = values.name ?? exportNameFrom(path.basename(modelDir));
  if (!EXPORT_NAME_PATTERN.test(name)) throw new UsageError(`export: --name "${name}" must be lowercase letters, digits, ".", "_" or "-" (Ollama and LM Studio names)`);
  const out = path.resolve(io.cwd, values.out ?? `${name}-${config.format === 'gguf' ? config.quantization : config.format}`);
  const overwrite = values.overwrite === true;
  const staging = mkdtempSync(path.join(tmpdir(), 'crucible-export-'));
  try {
    exportTargetAction(out, { overwrite });
    const outcome = exportModel({ modelFolder: modelDir, outputFolder: staging, format: config.format, quantization: config.quantization, name, license: config.license });
    const action = copyExport(staging, out, { overwrite });
    const what = config.format === 'gguf' ? `GGUF ${outcome.gguf?.fileType}` : config.format === 'hf' ? 'a Hugging Face repository' : 'ONNX (transformers.js)';
    io.stdout.write(`Exported ${modelDir} as ${what} to ${out}${action === 'replaced' ? ' (replacing the earlier export)' : ''}: ${(outcome.bytes / 1e6).toFixed(2)} MB\n`);
    for (const file of outcome.files) io.stdout.write(`  ${file}\n`);
    for (const note of outcome.notes) io.stderr.write(`note: ${note}\n`);
    if (outcome.command !== null) io.stdout.write(`Next: cd ${out} && ${outcome.command}\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`export: ${(error as Error).message}\n`);
    return EXIT.failed;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

// The engine's ExportCapability (nodes/capabilities/export.ts): writes the export on a worker thread
// (engine/ml/export), with the evaluate node's report in the model card, then copies it to outDir.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExportCapability } from '../../nodes/capabilities/export.ts';
import { copyExport, exportTargetAction } from '../ml/export/copy-export.ts';
import { runExportJobInWorker } from '../ml/export/run-export-job.ts';

const EVALUATION_REPORT_FILE = 'report.json';

export function createExportCapability(): ExportCapability {
  return {
    async export(request, hooks) {
      const { config } = request;
      // Refuse an outDir that must not be written before spending the export's time.
      if (config.outDir !== '') outDirStep(() => exportTargetAction(config.outDir, { overwrite: config.overwrite }));
      const outcome = await runExportJobInWorker(
        {
          modelFolder: request.modelFolder,
          outputFolder: request.outputFolder,
          format: config.format,
          quantization: config.quantization,
          name: request.name,
          license: config.license,
          evaluation: request.reportFolder === null ? null : readEvaluation(request.reportFolder),
        },
        hooks.signal,
      );
      const copy = config.outDir === '' ? null : { folder: config.outDir, result: outDirStep(() => copyExport(request.outputFolder, config.outDir, { overwrite: config.overwrite })) };
      return { files: outcome.files, bytes: outcome.bytes, command: outcome.command, notes: outcome.notes, fileType: outcome.gguf?.fileType ?? null, copy };
    },
  };
}

/** Errors about the outDir say so. */
function outDirStep<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new Error(`outDir: ${(error as Error).message}`);
  }
}

function readEvaluation(folder: string): Record<string, unknown> | null {
  const file = path.join(folder, EVALUATION_REPORT_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

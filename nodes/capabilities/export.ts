// What the export node asks of the engine (ctx.capabilities.exporting): write a model folder as GGUF, a Hugging Face
// repository or ONNX files, with a model card, and copy it to outDir. Types only;
// engine/capabilities/export-capability.ts implements it.
import type { z } from 'zod';
import type { exportConfig } from '../export/spec.ts';
import type { JobHooks } from './training.ts';

export type ExportConfig = z.output<typeof exportConfig>;

export interface ExportJobRequest {
  config: ExportConfig;
  /** The model's name (the config's, or the node id when that is empty). */
  name: string;
  /** The Model artifact folder (read only). */
  modelFolder: string;
  /** An evaluate node's Report artifact folder, or null. */
  reportFolder: string | null;
  /** The new Export artifact folder. */
  outputFolder: string;
}

export interface ExportJobOutcome {
  /** Relative to the output folder. */
  files: string[];
  bytes: number;
  /** What to run next (`ollama create …`), or null. */
  command: string | null;
  /** What other runtimes do differently; logged as warnings. */
  notes: string[];
  /** GGUF: the file type written (F32, F16, Q8_0, Q4_0). */
  fileType: string | null;
  /** Where outDir pointed and what happened there, or null without one. */
  copy: { folder: string; result: 'filled' | 'replaced' | 'overwritten' } | null;
}

export interface ExportCapability {
  export(request: ExportJobRequest, hooks: JobHooks): Promise<ExportJobOutcome>;
}

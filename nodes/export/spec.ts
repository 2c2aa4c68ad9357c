// The export node: a model as files other runtimes load — GGUF for llama.cpp, Ollama and LM Studio, a clean Hugging
// Face repository, or the ONNX files transformers.js needs — each with a model card.
import { z } from 'zod';
import { EXPORT_FORMATS, EXPORT_NAME_PATTERN, GGUF_QUANTIZATIONS } from '../../app/artifacts/export-layout.ts';
import { defineNodeSpec, type ConfigProblem } from '../../app/nodes/spec.ts';

export const exportConfig = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('gguf').describe('gguf: one file for llama.cpp, Ollama and LM Studio, with a Modelfile; hf: a Hugging Face repository; onnx: the files transformers.js loads.'),
  quantization: z.enum(GGUF_QUANTIZATIONS).default('q8_0').describe('GGUF weight type; matrices whose rows are not whole 32-weight blocks stay f32 for q8_0 and q4_0.'),
  name: z.string().max(64).default('').describe('The model\'s name in Ollama, LM Studio and the model card: lowercase letters, digits, ".", "_", "-". Empty: the node id.'),
  outDir: z.string().max(4096).default('').describe('Also copy the export to this folder, relative to the pipeline file; empty: only the run\'s artifact.'),
  overwrite: z.boolean().default(false).describe('Write into outDir even if it holds other files (they are kept). Without it, a folder holding an earlier export takes the new one: the earlier export\'s files are replaced, the rest kept.'),
  license: z.string().min(1).max(64).default('other').describe('The license field of the model card (an SPDX id such as mit or apache-2.0).'),
});

export const exportSpec = defineNodeSpec({
  type: 'export',
  title: 'Export',
  category: 'Serving',
  icon: 'package',
  summary: 'Write the model as GGUF (llama.cpp, Ollama, LM Studio), a Hugging Face repository or ONNX.',
  docs: 'GGUF files follow `<publisher>/<name>/<name>-<TYPE>.gguf`, the layout LM Studio\'s models folder expects, with an Ollama `Modelfile` beside them (`ollama create NAME -f …/Modelfile`). Every export carries a README.md model card. With `outDir` the export is also copied there on every run.',
  version: 1,
  inputs: [
    { name: 'model', type: 'Model', title: 'Model', description: 'The model folder to export.' },
    { name: 'report', type: 'Report', title: 'Evaluation', description: "An evaluate node's report, for the model card.", optional: true },
  ],
  outputs: [{ name: 'export', type: 'Export', title: 'Export', description: 'The exported files.' }],
  config: exportConfig,
  pathFields: ['outDir'],
  // outDir lies outside the artifact store: re-running copies the export there again.
  nonIdempotent: true,
  checkConfig: (config) => {
    const problems: ConfigProblem[] = [];
    if (config.name !== '' && !EXPORT_NAME_PATTERN.test(config.name)) problems.push({ field: 'name', message: `"${config.name}" must start with a lowercase letter or digit and hold only lowercase letters, digits, ".", "_" and "-"` });
    return problems;
  },
});

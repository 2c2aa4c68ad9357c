// The Export artifact's vocabulary, shared by the export node's spec, the CLI and the writers in engine/ml/export:
// its formats, GGUF's weight types, how models are named, and where the GGUF lands (LM Studio's
// <publisher>/<model>/<file>.gguf layout). Pure, no I/O.

export const EXPORT_FORMATS = ['gguf', 'hf', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const GGUF_QUANTIZATIONS = ['f32', 'f16', 'q8_0', 'q4_0'] as const;
export type GgufQuantization = (typeof GGUF_QUANTIZATIONS)[number];

/** The ggml type name of each quantization, as llama.cpp prints it and GGUF file names carry it. */
export const GGUF_TYPE_NAMES: Record<GgufQuantization, 'F32' | 'F16' | 'Q8_0' | 'Q4_0'> = { f32: 'F32', f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' };

/** Ollama and LM Studio model names: lowercase letters, digits, ".", "_" and "-", at most 64. */
export const EXPORT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A valid name made from any text (a node id, a folder name): lowercase, other characters as "-". */
export function exportNameFrom(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  return name === '' ? 'model' : name;
}

/** The publisher folder of the GGUF layout. */
export const EXPORT_PUBLISHER = 'crucible';

/** Where the GGUF goes in the export folder, `/`-separated: `crucible/<name>/<name>-<TYPE>.gguf`. */
export function ggufExportPath(name: string, quantization: GgufQuantization): string {
  return `${EXPORT_PUBLISHER}/${name}/${name}-${GGUF_TYPE_NAMES[quantization]}.gguf`;
}

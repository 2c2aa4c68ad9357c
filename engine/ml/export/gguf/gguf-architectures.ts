// Model families as GGUF sees them: the `general.architecture` name, its hyperparameter keys and its tensors under
// llama.cpp's names, read from a Crucible model folder. One entry per config.json `model_type` (gpt2-gguf.ts,
// llama-gguf.ts); the writer, the vocabulary and the quantization plan are shared.

import { readConfigJson } from '../model-folder.ts';
import type { GgufValue } from './gguf-file.ts';
import { readGpt2ForGguf } from './gpt2-gguf.ts';
import { readLlamaForGguf } from './llama-gguf.ts';

export interface GgufSourceTensor {
  /** llama.cpp's name, e.g. `blk.0.attn_qkv.weight`. */
  name: string;
  /** ggml order: the row length first. */
  dims: number[];
  /** Row-major float32 values in llama.cpp's layout (transposed where the folder's layout differs). */
  values(): Float32Array;
  /** Matrices the file's quantization applies to; norms, biases and position tables always stay F32, as in llama.cpp. */
  quantizable: boolean;
  /** One row per token id (the embedding and an untied head): the writer keeps only the tokenizer's rows. */
  perToken?: true;
}

export interface GgufModelSource {
  architecture: string;
  /** The architecture's own keys (`<architecture>.context_length`, …), in file order. */
  hyperparameters: Array<[string, GgufValue]>;
  contextLength: number;
  vocabSize: number;
  parameterCount: number;
  tensors: GgufSourceTensor[];
}

const ARCHITECTURES: Record<string, (folder: string) => GgufModelSource> = {
  gpt2: readGpt2ForGguf,
  llama: readLlamaForGguf,
};

export function readGgufModelSource(folder: string): GgufModelSource {
  const modelType = readConfigJson(folder).model_type;
  const read = typeof modelType === 'string' ? ARCHITECTURES[modelType] : undefined;
  if (read === undefined) {
    throw new Error(`GGUF export: ${folder}/config.json has model_type ${JSON.stringify(modelType)}; Crucible writes GGUF for ${Object.keys(ARCHITECTURES).join(', ')}`);
  }
  return read(folder);
}

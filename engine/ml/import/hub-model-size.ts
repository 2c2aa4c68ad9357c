// The largest model the import can write. The ONNX decoder (onnx/model.onnx) holds every weight in float32 inside one
// protobuf message, and protobuf caps a message at 2 GiB. A larger model used to be read in full (minutes, several
// times its size in memory) only to crash writing the decoder, so its size is checked from config.json first.

import { parameterCount } from '../gpt2/parameters.ts';
import { llamaParameterCount } from '../llama/parameters.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';

/** protobuf's limit on one serialized message (INT32_MAX bytes); the whole decoder file is one ModelProto. */
export const MOST_DECODER_BYTES = 2 ** 31 - 1;
/** The graph beside the weights (nodes, names, inputs) measured ~6.5 KB a layer and ~2 KB more; these bounds leave room. */
const GRAPH_BYTES_PER_LAYER = 16 * 1024;
const GRAPH_BYTES = 1024 * 1024;
const FLOAT32_BYTES = 4;

/** Every weight the imported model holds (GPT-2's biases included, a tied head counted once). */
export function importedParameterCount(config: ModelConfig): number {
  return isLlamaConfig(config) ? llamaParameterCount(config) : parameterCount(config);
}

/** The decoder's size, a bound: every parameter as a float32 initializer, plus the graph. */
export function decoderBytesOf(config: ModelConfig): number {
  return FLOAT32_BYTES * importedParameterCount(config) + GRAPH_BYTES + GRAPH_BYTES_PER_LAYER * config.nLayer;
}

/** Refuses a model whose decoder would pass protobuf's 2 GiB, naming its size and the sizes that do import. */
export function checkDecoderFits(config: ModelConfig, configPath: string): void {
  if (decoderBytesOf(config) <= MOST_DECODER_BYTES) return;
  const count = importedParameterCount(config);
  const gib = ((FLOAT32_BYTES * count) / 2 ** 30).toFixed(1);
  const mostMillions = Math.floor((MOST_DECODER_BYTES - GRAPH_BYTES) / FLOAT32_BYTES / 1e6);
  throw new Error(
    `${configPath}: the model has ${count.toLocaleString('en-US')} parameters, ${gib} GiB as float32; Crucible imports weights as float32 and writes them into ` +
      `one ONNX decoder (onnx/model.onnx), a single protobuf that cannot exceed 2 GiB (about ${mostMillions}M parameters), so this model cannot be imported — ` +
      'import a smaller one: SmolLM2-135M and SmolLM2-360M, GPT-2 small and medium (124M, 355M) fit; GPT-2 large and xl and SmolLM2-1.7B do not',
  );
}

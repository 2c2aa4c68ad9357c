// GPT-2 as llama.cpp's `gpt2` architecture: the hyperparameters its loader reads (UINT32 counts, FLOAT32 epsilon)
// and the tensors it creates. Hugging Face's Conv1D weights are [in, out]; llama.cpp wants [out, in] rows (dims
// [in, out]), so they are transposed. No `output.weight`: the head is tied to `token_embd.weight`.

import { readModelFolder } from '../model-folder.ts';
import { requireGpt2 } from '../../model-config.ts';
import type { Gpt2Config } from '../../gpt2/config.ts';
import { parameterCount } from '../../gpt2/parameters.ts';
import type { ParameterSet } from '../../gpt2/parameters.ts';
import type { GgufModelSource, GgufSourceTensor } from './gguf-architectures.ts';
import { gguf } from './gguf-file.ts';

export function readGpt2ForGguf(folder: string): GgufModelSource {
  const model = readModelFolder(folder);
  const [config, parameters] = [requireGpt2(model.config, 'the GGUF gpt2 writer'), model.parameters];
  const C = config.nEmbd;
  return {
    architecture: 'gpt2',
    hyperparameters: [
      ['gpt2.context_length', gguf.uint32(config.blockSize)],
      ['gpt2.embedding_length', gguf.uint32(C)],
      ['gpt2.feed_forward_length', gguf.uint32(4 * C)],
      ['gpt2.block_count', gguf.uint32(config.nLayer)],
      ['gpt2.attention.head_count', gguf.uint32(config.nHead)],
      ['gpt2.attention.layer_norm_epsilon', gguf.float32(config.layerNormEpsilon)],
    ],
    contextLength: config.blockSize,
    vocabSize: config.vocabSize,
    parameterCount: parameterCount({ ...config, bias: true }),
    tensors: gpt2Tensors(config, parameters),
  };
}

function gpt2Tensors(config: Gpt2Config, parameters: ParameterSet): GgufSourceTensor[] {
  const values = (name: string): Float32Array => {
    const tensor = parameters.get(name);
    if (tensor === undefined || !(tensor.data instanceof Float32Array)) throw new Error(`GGUF export: parameter ${name} is missing or not float32`);
    return tensor.data;
  };
  const C = config.nEmbd;
  /** A [rows, cols] table llama.cpp reads as it is: dims [cols, rows]. */
  const table = (name: string, from: string, rows: number, quantizable: boolean): GgufSourceTensor => ({ name, dims: [C, rows], values: () => values(from), quantizable });
  const vector = (name: string, from: string, length: number): GgufSourceTensor => ({ name, dims: [length], values: () => values(from), quantizable: false });
  /** A Conv1D weight [in, out], transposed to [out, in] rows: dims [in, out]. */
  const conv1d = (name: string, from: string, inputs: number, outputs: number): GgufSourceTensor => ({ name, dims: [inputs, outputs], values: () => transpose(values(from), inputs, outputs), quantizable: true });
  const tensors: GgufSourceTensor[] = [{ ...table('token_embd.weight', 'transformer.wte.weight', config.vocabSize, true), perToken: true }, table('position_embd.weight', 'transformer.wpe.weight', config.blockSize, false)];
  for (let layer = 0; layer < config.nLayer; layer++) {
    const [hf, blk] = [`transformer.h.${layer}`, `blk.${layer}`];
    tensors.push(
      vector(`${blk}.attn_norm.weight`, `${hf}.ln_1.weight`, C),
      vector(`${blk}.attn_norm.bias`, `${hf}.ln_1.bias`, C),
      conv1d(`${blk}.attn_qkv.weight`, `${hf}.attn.c_attn.weight`, C, 3 * C),
      vector(`${blk}.attn_qkv.bias`, `${hf}.attn.c_attn.bias`, 3 * C),
      conv1d(`${blk}.attn_output.weight`, `${hf}.attn.c_proj.weight`, C, C),
      vector(`${blk}.attn_output.bias`, `${hf}.attn.c_proj.bias`, C),
      vector(`${blk}.ffn_norm.weight`, `${hf}.ln_2.weight`, C),
      vector(`${blk}.ffn_norm.bias`, `${hf}.ln_2.bias`, C),
      conv1d(`${blk}.ffn_up.weight`, `${hf}.mlp.c_fc.weight`, C, 4 * C),
      vector(`${blk}.ffn_up.bias`, `${hf}.mlp.c_fc.bias`, 4 * C),
      conv1d(`${blk}.ffn_down.weight`, `${hf}.mlp.c_proj.weight`, 4 * C, C),
      vector(`${blk}.ffn_down.bias`, `${hf}.mlp.c_proj.bias`, C),
    );
  }
  tensors.push(vector('output_norm.weight', 'transformer.ln_f.weight', C), vector('output_norm.bias', 'transformer.ln_f.bias', C));
  return tensors;
}

/** [rows, cols] row-major → [cols, rows] row-major. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let row = 0; row < rows; row++) for (let col = 0; col < cols; col++) out[col * rows + row] = data[row * cols + col]!;
  return out;
}

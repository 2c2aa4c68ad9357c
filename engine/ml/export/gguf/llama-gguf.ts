// A Llama as llama.cpp's `llama` architecture: the hyperparameters its loader reads (UINT32 counts and sizes, FLOAT32
// epsilon and RoPE base) and its tensors. Hugging Face's Linear weights are [out, in] rows, which is what llama.cpp
// reads (dims [in, out]), so they are copied as they are — except q_proj and k_proj, whose rows are permuted within
// each head: transformers rotates the two halves of a head (rotate_half), llama.cpp's `llama` rope rotates adjacent
// pairs, and interleaving each head's rows (i, D/2 + i) → (2i, 2i + 1) makes the two compute the same attention (the
// permutation convert_hf_to_gguf.py applies). Tied heads have no `output.weight`: llama.cpp reuses token_embd.

import { readModelFolder } from '../model-folder.ts';
import type { ParameterSet } from '../../gpt2/parameters.ts';
import type { LlamaConfig } from '../../llama/config.ts';
import { llamaParameterCount } from '../../llama/parameters.ts';
import { isLlamaConfig } from '../../model-config.ts';
import type { GgufModelSource, GgufSourceTensor } from './gguf-architectures.ts';
import { gguf } from './gguf-file.ts';

export function readLlamaForGguf(folder: string): GgufModelSource {
  const { config, parameters } = readModelFolder(folder);
  if (!isLlamaConfig(config)) throw new Error(`GGUF export: ${folder}/config.json says model_type "llama" but does not read as a Llama; re-run the node that produced the model`);
  if (config.attentionBias || config.mlpBias) {
    throw new Error(`GGUF export: ${folder} is a Llama with ${config.attentionBias ? 'attention' : 'MLP'} biases (attention_bias / mlp_bias true); Crucible writes GGUF for bias-free Llamas, as llama.cpp's llama loader expects — export it as a Hugging Face folder instead`);
  }
  return {
    architecture: 'llama',
    hyperparameters: [
      ['llama.context_length', gguf.uint32(config.blockSize)],
      ['llama.embedding_length', gguf.uint32(config.nEmbd)],
      ['llama.block_count', gguf.uint32(config.nLayer)],
      ['llama.feed_forward_length', gguf.uint32(config.intermediateSize)],
      ['llama.attention.head_count', gguf.uint32(config.nHead)],
      ['llama.attention.head_count_kv', gguf.uint32(config.nKvHead)],
      ['llama.attention.key_length', gguf.uint32(config.headDim)],
      ['llama.attention.value_length', gguf.uint32(config.headDim)],
      ['llama.attention.layer_norm_rms_epsilon', gguf.float32(config.rmsNormEps)],
      ['llama.rope.freq_base', gguf.float32(config.ropeTheta)],
      ['llama.rope.dimension_count', gguf.uint32(config.headDim)],
      ['llama.vocab_size', gguf.uint32(config.vocabSize)],
    ],
    contextLength: config.blockSize,
    vocabSize: config.vocabSize,
    parameterCount: llamaParameterCount(config),
    tensors: llamaTensors(config, parameters),
  };
}

function llamaTensors(config: LlamaConfig, parameters: ParameterSet): GgufSourceTensor[] {
  const values = (name: string): Float32Array => {
    const tensor = parameters.get(name);
    if (tensor === undefined || !(tensor.data instanceof Float32Array)) throw new Error(`GGUF export: parameter ${name} is missing or not float32`);
    return tensor.data;
  };
  const { nEmbd: C, nHead: H, nKvHead: K, headDim: D, intermediateSize: F, vocabSize: V } = config;
  /** A torch Linear weight [out, in], read by llama.cpp as it is: dims [in, out]. */
  const linear = (name: string, from: string, inputs: number, outputs: number, rows?: (data: Float32Array) => Float32Array): GgufSourceTensor => ({
    name,
    dims: [inputs, outputs],
    values: () => (rows === undefined ? values(from) : rows(values(from))),
    quantizable: true,
  });
  const vector = (name: string, from: string, length: number): GgufSourceTensor => ({ name, dims: [length], values: () => values(from), quantizable: false });
  const tensors: GgufSourceTensor[] = [{ ...linear('token_embd.weight', 'model.embed_tokens.weight', C, V), perToken: true }];
  for (let layer = 0; layer < config.nLayer; layer++) {
    const [hf, blk] = [`model.layers.${layer}`, `blk.${layer}`];
    tensors.push(
      vector(`${blk}.attn_norm.weight`, `${hf}.input_layernorm.weight`, C),
      linear(`${blk}.attn_q.weight`, `${hf}.self_attn.q_proj.weight`, C, H * D, (data) => interleaveRotaryRows(data, H, D, C)),
      linear(`${blk}.attn_k.weight`, `${hf}.self_attn.k_proj.weight`, C, K * D, (data) => interleaveRotaryRows(data, K, D, C)),
      linear(`${blk}.attn_v.weight`, `${hf}.self_attn.v_proj.weight`, C, K * D),
      linear(`${blk}.attn_output.weight`, `${hf}.self_attn.o_proj.weight`, H * D, C),
      vector(`${blk}.ffn_norm.weight`, `${hf}.post_attention_layernorm.weight`, C),
      linear(`${blk}.ffn_gate.weight`, `${hf}.mlp.gate_proj.weight`, C, F),
      linear(`${blk}.ffn_up.weight`, `${hf}.mlp.up_proj.weight`, C, F),
      linear(`${blk}.ffn_down.weight`, `${hf}.mlp.down_proj.weight`, F, C),
    );
  }
  tensors.push(vector('output_norm.weight', 'model.norm.weight', C));
  if (!config.tieEmbeddings) tensors.push({ ...linear('output.weight', 'lm_head.weight', C, V), perToken: true });
  return tensors;
}

/**
 * Rows of a q_proj / k_proj weight (heads × headDim rows of `width` values), reordered within each head from
 * transformers' halves [x0 … x(D/2−1), y0 … y(D/2−1)] to llama.cpp's pairs [x0, y0, x1, y1, …]: new row 2i + j of a
 * head is old row j·D/2 + i.
 */
export function interleaveRotaryRows(data: Float32Array, heads: number, headDim: number, width: number): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let head = 0; head < heads; head++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (head * headDim + j * half + i) * width;
        out.set(data.subarray(from, from + width), (head * headDim + 2 * i + j) * width);
      }
    }
  }
  return out;
}

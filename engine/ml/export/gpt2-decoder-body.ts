// GPT-2's decoder body for the inference graphs (decoder-model.ts): token and position embeddings, pre-norm blocks
// with one fused QKV projection (HF Conv1D weights, [in, out]) and a GELU MLP, the head tied to the token embedding.
// Legend: B batch, S new tokens, H heads, D head size, C channels, V vocabulary.

import { headSize, type Gpt2Config } from '../gpt2/config.ts';
import { linear } from '../gpt2/attention.ts';
import type { Dim } from '../graph/dims.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import type { AttentionHeads, DecoderAttentionSetup, DecoderParameters } from './decoder-model.ts';
import { decoderNames } from './kv-decoder.ts';
import { huggingFaceParameters } from './hf-parameters.ts';

/** Reads a weight by its Hugging Face name. */
type DecoderWeights = (name: string) => Value;

/** The graph with `parameters` (completed to HF's full GPT-2 tensor set) as initializers. */
export function buildGpt2DecoderBody(name: string, config: Gpt2Config, parameters: DecoderParameters, setup: DecoderAttentionSetup): Graph {
  const graph = new Graph({ name });
  const { tokens, attend } = setup(graph);
  const [batch, sequence] = tokens.inputIds.shape as [Dim, Dim];
  const weights = new Map([...huggingFaceParameters(config, parameters)].map(([name, tensor]) => [name, graph.initializer(name, tensor)]));
  const param: DecoderWeights = (name) => weights.get(name) as Value;
  const layerNorm = (x: Value, prefix: string) => op.layerNorm(x, param(`${prefix}.weight`), param(`${prefix}.bias`), { epsilon: config.layerNormEpsilon });

  const wte = param('transformer.wte.weight'); // (V, C)
  let x = op.add(op.gather(wte, tokens.inputIds), op.gather(param('transformer.wpe.weight'), tokens.positionIds)); // (B, S, C)
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `transformer.h.${layer}`;
    const heads = attentionHeads(layerNorm(x, `${block}.ln_1`), block, config, param, [batch, sequence]);
    x = op.add(x, mergeHeads(attend(heads, layer), block, config, param, [batch, sequence]));
    const hidden = op.geluTanh(linear(layerNorm(x, `${block}.ln_2`), param(`${block}.mlp.c_fc.weight`), param(`${block}.mlp.c_fc.bias`)));
    x = op.add(x, linear(hidden, param(`${block}.mlp.c_proj.weight`), param(`${block}.mlp.c_proj.bias`)));
  }
  graph.output(op.fusedMatMul(layerNorm(x, 'transformer.ln_f'), wte, { transB: true }), decoderNames.logits); // (B, S, V)
  return graph;
}

/** The block's c_attn projection split into (B, H, S, D) query, key and value heads. */
function attentionHeads(x: Value, block: string, config: Gpt2Config, param: DecoderWeights, [batch, sequence]: [Dim, Dim]): AttentionHeads {
  const C = config.nEmbd;
  const qkv = linear(x, param(`${block}.attn.c_attn.weight`), param(`${block}.attn.c_attn.bias`)); // (B, S, 3C)
  const heads = (part: number) => {
    const slice = op.slice(qkv, { starts: [part * C], ends: [(part + 1) * C], axes: [2] }); // (B, S, C)
    return op.transpose(op.reshape(slice, [batch, sequence, config.nHead, headSize(config)]), [0, 2, 1, 3]); // (B, H, S, D)
  };
  return { query: heads(0), key: heads(1), value: heads(2) };
}

/** (B, H, S, D) attended heads back to (B, S, C), through the block's c_proj. */
function mergeHeads(attended: Value, block: string, config: Gpt2Config, param: DecoderWeights, [batch, sequence]: [Dim, Dim]): Value {
  const merged = op.reshape(op.transpose(attended, [0, 2, 1, 3]), [batch, sequence, config.nEmbd]);
  return linear(merged, param(`${block}.attn.c_proj.weight`), param(`${block}.attn.c_proj.bias`));
}

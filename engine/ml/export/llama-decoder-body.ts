// Llama's decoder body for the inference graphs (decoder-model.ts), as Hugging Face's LlamaForCausalLM computes it:
// token embedding, pre-norm blocks (RMSNorm, q/k/v/o projections over torch Linear [out, in] weights, rotary position
// embeddings from the position ids, grouped-query attention, SwiGLU MLP), final RMSNorm and the head (tied to the
// embedding or lm_head). The blocks are engine/ml/llama/layers.ts's, as the training forward uses them.
// Legend: B batch, S new tokens, H query heads, K key/value heads, D head size, C channels, V vocabulary.

import type { Dim } from '../graph/dims.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { applyRotary, linearOut, rmsNorm, rotaryTablesFromPositions, swiGluMlp, type RotaryTables } from '../llama/layers.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import type { DecoderParameters } from './decoder-model.ts';
import type { AttentionHeads, DecoderAttentionSetup } from './decoder-model.ts';
import { decoderNames } from './kv-decoder.ts';

/** Reads a weight by its Hugging Face name, or null for a bias the config leaves out. */
type DecoderWeights = (name: string) => Value;

export function buildLlamaDecoderBody(name: string, config: LlamaConfig, parameters: DecoderParameters, setup: DecoderAttentionSetup): Graph {
  const graph = new Graph({ name });
  const { tokens, attend } = setup(graph);
  const [batch, sequence] = tokens.inputIds.shape as [Dim, Dim];
  const weights = new Map<string, Value>();
  for (const spec of llamaParameterSpecs(config)) {
    const tensor = parameters.get(spec.name);
    if (tensor === undefined) throw new Error(`llama decoder: parameter "${spec.name}" is missing`);
    if (tensor.shape.join(',') !== spec.shape.join(',')) throw new Error(`llama decoder: parameter "${spec.name}" has shape [${tensor.shape.join(',')}], expected [${spec.shape.join(',')}]`);
    weights.set(spec.name, graph.initializer(spec.name, tensor));
  }
  const param: DecoderWeights = (name) => weights.get(name) as Value;
  const bias = (prefix: string, present: boolean) => (present ? param(`${prefix}.bias`) : null);
  const rotary = rotaryTablesFromPositions(tokens.positionIds, config.headDim, config.ropeTheta, 'float32'); // (B, 1, S, D)

  const embedding = param('model.embed_tokens.weight'); // (V, C)
  let x = op.gather(embedding, tokens.inputIds); // (B, S, C)
  for (let layer = 0; layer < config.nLayer; layer++) {
    const block = `model.layers.${layer}`;
    const heads = attentionHeads(rmsNorm(x, param(`${block}.input_layernorm.weight`), config.rmsNormEps), block, config, param, rotary, [batch, sequence]);
    const merged = op.reshape(op.transpose(attend(heads, layer), [0, 2, 1, 3]), [batch, sequence, config.nHead * config.headDim]);
    x = op.add(x, linearOut(merged, param(`${block}.self_attn.o_proj.weight`), bias(`${block}.self_attn.o_proj`, config.attentionBias)));
    const mlp = (part: string) => `${block}.mlp.${part}_proj`;
    x = op.add(x, swiGluMlp(rmsNorm(x, param(`${block}.post_attention_layernorm.weight`), config.rmsNormEps), {
      gate: param(`${mlp('gate')}.weight`),
      up: param(`${mlp('up')}.weight`),
      down: param(`${mlp('down')}.weight`),
      gateBias: bias(mlp('gate'), config.mlpBias),
      upBias: bias(mlp('up'), config.mlpBias),
      downBias: bias(mlp('down'), config.mlpBias),
    }));
  }
  const head = config.tieEmbeddings ? embedding : param('lm_head.weight');
  graph.output(linearOut(rmsNorm(x, param('model.norm.weight'), config.rmsNormEps), head, null), decoderNames.logits); // (B, S, V)
  return graph;
}

/** The block's q/k/v projections as (B, heads, S, D) heads, query and key rotated to their positions. */
function attentionHeads(x: Value, block: string, config: LlamaConfig, param: DecoderWeights, rotary: RotaryTables, [batch, sequence]: [Dim, Dim]): AttentionHeads {
  const projection = (part: 'q' | 'k' | 'v', heads: number) => {
    const prefix = `${block}.self_attn.${part}_proj`;
    const rows = linearOut(x, param(`${prefix}.weight`), config.attentionBias ? param(`${prefix}.bias`) : null); // (B, S, heads·D)
    return op.transpose(op.reshape(rows, [batch, sequence, heads, config.headDim]), [0, 2, 1, 3]);
  };
  return {
    query: applyRotary(projection('q', config.nHead), rotary),
    key: applyRotary(projection('k', config.nKvHead), rotary),
    value: projection('v', config.nKvHead),
  };
}

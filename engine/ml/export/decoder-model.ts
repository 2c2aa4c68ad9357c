// The decoder of any model family, as ONNX graphs: one dispatch from a ModelConfig to its family's body, shared by
// the model-folder writer, the quantize node and the serving runtime.
//
// A body (embeddings, blocks, head) is the family's own; how a layer attends is the decoder's: the exported decoder
// (kv-decoder.ts) concatenates a past cache passed in and out, the serving step decoder (engine/inference) reads a
// slot cache in place. A body hands each layer's heads to `attend` and merges what it returns.
// Legend: B batch, S new tokens this call, H query heads, K key/value heads, D head size.

import { buildGpt2DecoderBody } from './gpt2-decoder-body.ts';
import { buildLlamaDecoderBody } from './llama-decoder-body.ts';
import { cachedAttentionSetup } from './kv-decoder.ts';
import { kvCacheShape } from './kv-cache-shape.ts';
import type { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import { architectureOf, isLlamaConfig, type ModelConfig } from '../model-config.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';

/** Weights by their Hugging Face names. */
export type DecoderParameters = Map<string, HostTensor>;

/** One layer's attention heads: query (B, H, S, D), key and value (B, K, S, D); rotary families have rotated q and k. */
export interface AttentionHeads {
  query: Value;
  key: Value;
  value: Value;
}

/** How one decoder graph differs from another on a family's body: the inputs it declares and how a layer attends. */
export type DecoderAttentionSetup = (graph: Graph) => {
  /** (B, S) int64 ids and positions. */
  tokens: { inputIds: Value; positionIds: Value };
  /** The layer's heads in, the (B, H, S, D) attended heads out. */
  attend: (heads: AttentionHeads, layer: number) => Value;
};

/** The family's embeddings, blocks and head around the attention `setup` gives; the logits output is (B, S, V). */
export function buildDecoderBody(name: string, config: ModelConfig, parameters: DecoderParameters, setup: DecoderAttentionSetup): Graph {
  return isLlamaConfig(config) ? buildLlamaDecoderBody(name, config, parameters, setup) : buildGpt2DecoderBody(name, config, parameters, setup);
}

/**
 * The decoder written to onnx/model.onnx for any family, under Optimum's names (kv-decoder.ts): what
 * writeModelFolder, the quantize node and serving's prefill run. `.toBytes()` or `.toModelProto()` on the result.
 */
export function buildDecoderModel(config: ModelConfig, parameters: DecoderParameters): Graph {
  return buildDecoderBody(`${architectureOf(config)}-decoder-with-past`, config, parameters, cachedAttentionSetup(kvCacheShape(config)));
}

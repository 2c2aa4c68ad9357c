// The key/value cache a decoder of any family keeps per layer: (batch, nKvHead, positions, headDim) keys and values.
// GPT-2 caches every query head's keys (nKvHead = nHead); a Llama with grouped-query attention caches nKvHead heads,
// each read by nHead / nKvHead query heads. The exported decoder's past/present tensors and the serving slot cache
// are sized from this.

import { headSize } from '../gpt2/config.ts';
import { isLlamaConfig, type ModelConfig } from '../model-config.ts';

export interface KvCacheShape {
  nLayer: number;
  /** Query heads. */
  nHead: number;
  /** Key/value heads: what the cache holds per layer. */
  nKvHead: number;
  headDim: number;
}

export function kvCacheShape(config: ModelConfig): KvCacheShape {
  if (isLlamaConfig(config)) return { nLayer: config.nLayer, nHead: config.nHead, nKvHead: config.nKvHead, headDim: config.headDim };
  return { nLayer: config.nLayer, nHead: config.nHead, nKvHead: config.nHead, headDim: headSize(config) };
}

/** Query heads that read each key/value head. */
export function queryGroupSize(shape: KvCacheShape): number {
  return shape.nHead / shape.nKvHead;
}

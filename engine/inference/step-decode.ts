// One decode step through the step decoder: every row of the slot cache gets its next token's logits, and the
// cache takes the new keys and values in place.

import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import type { HostTensor } from '../ml/tensor/host-tensor.ts';
import type { SlotKvCache } from './slot-kv-cache.ts';
import { stepDecoderNames } from './step-decoder-graph.ts';

/** Feeds row r's `tokens[r]` at position len(r); returns the (B, V) logits, row-major. */
export async function decodeOneToken(session: ModelSession, config: ModelConfig, cache: SlotKvCache, tokens: readonly number[]): Promise<Float32Array> {
  if (tokens.length !== cache.rowCount) throw new Error(`step decode: ${tokens.length} tokens for ${cache.rowCount} cached rows`);
  const { pastKeys, pastValues, pastMask } = cache.stepFeeds();
  const column = (values: readonly number[]): HostTensor => ({ dtype: 'int64', shape: [values.length, 1], data: BigInt64Array.from(values, BigInt) });
  const feeds: Record<string, HostTensor> = {
    [stepDecoderNames.inputIds]: column(tokens),
    [stepDecoderNames.positionIds]: column(cache.rowLengths),
    [stepDecoderNames.pastMask]: pastMask,
  };
  for (let layer = 0; layer < config.nLayer; layer++) {
    feeds[stepDecoderNames.pastKeyTransposed(layer)] = pastKeys[layer]!;
    feeds[stepDecoderNames.pastValue(layer)] = pastValues[layer]!;
  }
  const results = await session.run(feeds);
  const output = (name: string) => results[name]!.data as Float32Array;
  const layers = Array.from({ length: config.nLayer }, (_, layer) => layer);
  cache.append(layers.map((layer) => output(stepDecoderNames.newKey(layer))), layers.map((layer) => output(stepDecoderNames.newValue(layer))));
  return output(stepDecoderNames.logits);
}

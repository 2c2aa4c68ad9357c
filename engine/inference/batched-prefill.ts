// Prefill for requests joining the batch: their prompts in one decoder call, left-padded to the longest, each row
// with its own positions and attention mask; returns each row's last-position logits and its unpadded cache.
// Legend: N joining rows, T longest prompt, L one prompt's length, K key/value heads, D head size, V vocabulary.
//
// Padding query positions see only masked keys; their (finite) outputs and cache columns are dropped here, so a
// row's cache holds exactly its own L positions, as a lone prefill would give.

import { decoderNames } from '../ml/export/kv-decoder.ts';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import type { HostTensor } from '../ml/tensor/host-tensor.ts';
import type { RowCache } from './slot-kv-cache.ts';

export interface PrefilledRow {
  /** The last prompt position's logits (V values). */
  logits: Float32Array;
  cache: RowCache;
}

export async function prefillBatch(session: ModelSession, config: ModelConfig, prompts: readonly (readonly number[])[]): Promise<PrefilledRow[]> {
  const longest = prompts.reduce((most, prompt) => Math.max(most, prompt.length), 0);
  const { nKvHead, headDim } = kvCacheShape(config);
  const results = await session.run(prefillFeeds(config, prompts));
  const logits = results[decoderNames.logits]!.data as Float32Array; // (N, T, V)
  const present = (name: string) => results[name]!.data as Float32Array; // (N, K, T, D)
  return prompts.map((prompt, row) => {
    const lastPosition = (row * longest + longest - 1) * config.vocabSize;
    const unpadded = (data: Float32Array) => rowTail(data, { row, heads: nKvHead, columns: longest, kept: prompt.length, headSize: headDim });
    return {
      logits: logits.slice(lastPosition, lastPosition + config.vocabSize),
      cache: {
        keys: Array.from({ length: config.nLayer }, (_, layer) => unpadded(present(decoderNames.presentKey(layer)))),
        values: Array.from({ length: config.nLayer }, (_, layer) => unpadded(present(decoderNames.presentValue(layer)))),
        length: prompt.length,
      },
    };
  });
}

/**
 * The exported decoder's feeds for prompts from an empty cache, left-padded to the longest (mask 0 on the padding);
 * its logits come back (N, T, V) and its present keys and values (N, K, T, D). prompt-scoring.ts reads all positions.
 */
export function prefillFeeds(config: ModelConfig, prompts: readonly (readonly number[])[]): Record<string, HostTensor> {
  const rows = prompts.length;
  const longest = prompts.reduce((most, prompt) => Math.max(most, prompt.length), 0);
  const ids = new BigInt64Array(rows * longest);
  const positions = new BigInt64Array(rows * longest);
  const mask = new BigInt64Array(rows * longest);
  prompts.forEach((prompt, row) => {
    const start = row * longest + (longest - prompt.length);
    prompt.forEach((id, position) => {
      ids[start + position] = BigInt(id);
      positions[start + position] = BigInt(position);
      mask[start + position] = 1n;
    });
  });
  const { nKvHead, headDim } = kvCacheShape(config);
  const shape = [rows, longest];
  const empty: HostTensor = { dtype: 'float32', shape: [rows, nKvHead, 0, headDim], data: new Float32Array(0) };
  const feeds: Record<string, HostTensor> = {
    [decoderNames.inputIds]: { dtype: 'int64', shape, data: ids },
    [decoderNames.positionIds]: { dtype: 'int64', shape, data: positions },
    [decoderNames.attentionMask]: { dtype: 'int64', shape, data: mask },
  };
  for (let layer = 0; layer < config.nLayer; layer++) {
    feeds[decoderNames.pastKey(layer)] = empty;
    feeds[decoderNames.pastValue(layer)] = empty;
  }
  return feeds;
}

/** Row `row` of an (N, K, columns, D) tensor, keeping each head's last `kept` columns: a (1, K, kept, D) copy. */
function rowTail(data: Float32Array, at: { row: number; heads: number; columns: number; kept: number; headSize: number }): Float32Array {
  const out = new Float32Array(at.heads * at.kept * at.headSize);
  for (let head = 0; head < at.heads; head++) {
    const start = ((at.row * at.heads + head) * at.columns + (at.columns - at.kept)) * at.headSize;
    out.set(data.subarray(start, start + at.kept * at.headSize), head * at.kept * at.headSize);
  }
  return out;
}

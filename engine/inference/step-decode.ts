// Steps through the step decoder (step-decoder-graph.ts): every row of the slot cache takes S new tokens at its
// next positions, the cache takes their keys and values in place, and the logits of every new token come back.

import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import type { HostTensor } from '../ml/tensor/host-tensor.ts';
import type { SlotKvCache } from './slot-kv-cache.ts';
import { stepDecoderNames } from './step-decoder-graph.ts';

/**
 * Feeds row r's `tokens[r]` (S tokens, the same S for every row) at positions len(r) .. len(r)+S-1, each seeing the
 * row's cache and the new tokens before it; appends them to the cache and returns the (B, S, V) logits, row-major.
 * A row whose tokens are not all wanted (rejected speculative proposals) is shortened after with `truncateRow`.
 * With `realCounts`, row r's tokens past its first `realCounts[r]` are padding (a speculative step's rows that propose
 * fewer than the step's width): they go at the last position of the context, after every real token of the row, so
 * no real token sees them, and only the real ones need to fit the context; the caller truncates them away.
 */
export async function decodeTokens(session: ModelSession, config: ModelConfig, cache: SlotKvCache, tokens: readonly (readonly number[])[], realCounts?: readonly number[]): Promise<Float32Array> {
  if (tokens.length !== cache.rowCount) throw new Error(`step decode: tokens for ${tokens.length} rows, but the cache holds ${cache.rowCount}`);
  const count = tokens[0]?.length ?? 0;
  if (count === 0 || tokens.some((row) => row.length !== count)) {
    throw new Error(`step decode: every row needs the same number (≥ 1) of new tokens, got ${JSON.stringify(tokens.map((row) => row.length))}`);
  }
  cache.rowLengths.forEach((length, row) => {
    const real = realCounts?.[row] ?? count;
    // Padding sits at position blockSize − 1, which must come after the row's last real token (a row fed only padding
    // has none to protect: its earlier padding may have filled the context).
    const last = real < count ? config.blockSize - 1 : config.blockSize;
    if (real > 0 && length + real > last) throw new Error(`step decode: ${real} new tokens after ${length}${real < count ? ' and padding' : ''} would pass the model's context of ${config.blockSize}`);
  });
  const results = await session.run(stepDecoderFeeds(config, cache, tokens, realCounts));
  cache.append(results[stepDecoderNames.newKeysValues]!.data as Float32Array, count);
  return results[stepDecoderNames.logits]!.data as Float32Array;
}

/**
 * The step decoder's inputs for row r's `tokens[r]` (S each) at positions len(r) .. len(r)+S-1 over the cache as it is;
 * tokens past `realCounts[r]` (padding) at the context's last position.
 */
export function stepDecoderFeeds(config: ModelConfig, cache: SlotKvCache, tokens: readonly (readonly number[])[], realCounts?: readonly number[]): Record<string, HostTensor> {
  const count = tokens[0]?.length ?? 0;
  const { pastKeys, pastValues, pastMask } = cache.stepFeeds();
  const ids = new BigInt64Array(tokens.length * count);
  const positions = new BigInt64Array(tokens.length * count);
  tokens.forEach((row, index) => {
    const start = cache.rowLengths[index]!;
    const real = realCounts?.[index] ?? count;
    row.forEach((token, offset) => {
      ids[index * count + offset] = BigInt(token);
      positions[index * count + offset] = BigInt(offset < real ? start + offset : config.blockSize - 1);
    });
  });
  const shape = [tokens.length, count];
  const feeds: Record<string, HostTensor> = {
    [stepDecoderNames.inputIds]: { dtype: 'int64', shape, data: ids },
    [stepDecoderNames.positionIds]: { dtype: 'int64', shape, data: positions },
    [stepDecoderNames.pastMask]: pastMask,
  };
  for (let layer = 0; layer < config.nLayer; layer++) {
    feeds[stepDecoderNames.pastKey(layer)] = pastKeys[layer]!;
    feeds[stepDecoderNames.pastValue(layer)] = pastValues[layer]!;
  }
  return feeds;
}

/** One decode step: row r's `tokens[r]` at position len(r) (padding where `realCounts[r]` is 0); returns the (B, V) logits, row-major. */
export function decodeOneToken(session: ModelSession, config: ModelConfig, cache: SlotKvCache, tokens: readonly number[], realCounts?: readonly number[]): Promise<Float32Array> {
  return decodeTokens(session, config, cache, tokens.map((token) => [token]), realCounts);
}

// A long prompt joining a running batch, prefilled a chunk at a time so the batch's rows keep getting tokens: the
// decode loop runs one chunk between two decode steps. The prompt's first chunk goes through the exported decoder
// (as any prefill); the next ones through the step decoder's many-tokens build with S = the chunk's length
// (decoder-pair.ts `stepMany`, step-decode.ts), over a one-row slot cache of its own, since every row of a step takes
// the same number of new tokens. When the last chunk
// is in, its last position's logits give the first token, and the row's keys and values move to the batch's cache.
// Legend: K key/value heads, D head size, P slots, L the prompt's length, S a chunk's length, V vocabulary.

import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import { prefillBatch } from './batched-prefill.ts';
import { SLOT_CHUNK, SlotKvCache, type RowCache } from './slot-kv-cache.ts';
import { decodeTokens } from './step-decode.ts';

/** Prompt tokens per chunk: about one decode step's work for a 16-row batch of the models served here. */
export const PREFILL_CHUNK_TOKENS = 64;

export class ChunkedPrefill {
  readonly #prompt: readonly number[];
  readonly #chunk: number;
  readonly #config: ModelConfig;
  readonly #cache: SlotKvCache;
  #done = 0;

  constructor(prompt: readonly number[], config: ModelConfig, chunkTokens = PREFILL_CHUNK_TOKENS) {
    if (!(chunkTokens >= 1)) throw new Error(`chunked prefill: chunks need at least 1 token, got ${chunkTokens}`);
    this.#prompt = prompt;
    this.#chunk = chunkTokens;
    this.#config = config;
    this.#cache = new SlotKvCache(kvCacheShape(config), { maxRows: 1, maxSlots: config.blockSize, slotChunk: SLOT_CHUNK });
  }

  /** Prompt tokens prefilled so far. */
  get prefilled(): number {
    return this.#done;
  }

  /**
   * Prefills the next chunk; returns the last prompt position's logits (V values) once the whole prompt is in, else
   * null.
   */
  async next(sessions: { prefill: ModelSession; stepMany: ModelSession }): Promise<Float32Array | null> {
    const vocab = this.#config.vocabSize;
    const chunk = this.#prompt.slice(this.#done, this.#done + this.#chunk);
    let logits: Float32Array;
    if (this.#done === 0) {
      const [first] = await prefillBatch(sessions.prefill, this.#config, [chunk]);
      this.#cache.addRow(first!.cache);
      logits = first!.logits;
    } else {
      const all = await decodeTokens(sessions.stepMany, this.#config, this.#cache, [chunk]); // (1, S, V)
      logits = all.subarray((chunk.length - 1) * vocab, chunk.length * vocab);
    }
    this.#done += chunk.length;
    return this.#done === this.#prompt.length ? logits : null;
  }

  /** The prefilled prompt's cache as the exported decoder gives it, (1, K, L, D) per layer, for SlotKvCache.addRow. */
  rowCache(): RowCache {
    return this.#cache.rowCache(0);
  }
}

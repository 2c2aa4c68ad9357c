// Speculative decoding in the decode loop: a small draft model (a distilled student of the served model, same
// tokenizer) proposes k tokens per row one draft step at a time, and the target checks all of them in ONE step of its
// many-tokens step decoder (S = k + 1: the row's current token and the k proposals). Each proposal is kept or
// corrected by speculative sampling (speculative-sampling.ts), so a row gains 1 to k + 1 tokens per target step and
// its tokens are distributed exactly as without the draft (greedy: identical). Both caches then drop what was not
// kept (SlotKvCache.truncateRow). The draft keeps its own slot cache, row for row beside the target's.
// Legend: B rows, k proposals per row, V vocabulary.

import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import { prefillBatch } from './batched-prefill.ts';
import { argmax } from './sampling.ts';
import type { SequenceSampler } from './sequence-sampler.ts';
import { SlotKvCache, type RowCache } from './slot-kv-cache.ts';
import { drawCorrection, drawFrom, keepsProposal } from './speculative-sampling.ts';
import { decodeOneToken, decodeTokens } from './step-decode.ts';
import type { StepEvent } from './worker-protocol.ts';

export interface SpeculativeOptions {
  draft: { prefill: ModelSession; step: ModelSession; config: ModelConfig };
  /** The target's many-tokens step decoder (step-decoder-graph.ts 'many'), which verifies. */
  targetVerify: ModelSession;
  /** The target's one-token step decoder, for a step with no room left to propose. */
  targetStep: ModelSession;
  targetConfig: ModelConfig;
  /** Proposals per row per target step (k ≥ 1). */
  proposals: number;
  maxBatchSize: number;
  eosTokenId: number | null;
  sampledVocabSize: number;
  slotChunk: number;
}

/** A running row as the decode loop keeps it. */
export interface SpeculativeRow {
  requestId: number;
  sampler: SequenceSampler;
  /** The row's newest token: sampled, not yet in either cache. */
  lastToken: number;
}

export interface SpeculativeStats {
  /** Proposals the target checked. */
  proposed: number;
  /** Proposals it kept. */
  accepted: number;
  /** Target steps taken. */
  steps: number;
  /** Tokens those steps gave. */
  tokens: number;
}

export class SpeculativeDecoder {
  readonly #options: SpeculativeOptions;
  readonly #draftCache: SlotKvCache;
  readonly stats: SpeculativeStats = { proposed: 0, accepted: 0, steps: 0, tokens: 0 };

  constructor(options: SpeculativeOptions) {
    if (!Number.isInteger(options.proposals) || options.proposals < 1) throw new Error(`speculative decoding: proposals must be a whole number ≥ 1, got ${options.proposals}`);
    this.#options = options;
    this.#draftCache = new SlotKvCache(kvCacheShape(options.draft.config), { maxRows: options.maxBatchSize, maxSlots: options.draft.config.blockSize + this.paddingSlots, slotChunk: options.slotChunk });
  }

  /** Slots past the context a row's cache needs for a step's padding (the target's cache too), truncated after it. */
  get paddingSlots(): number {
    return this.#options.proposals;
  }

  /** The draft's prefill of prompts joining the target's batch; each row is added with `addRow` as the target adds it. */
  async prefill(prompts: readonly (readonly number[])[]): Promise<RowCache[]> {
    if (prompts.length === 0) return [];
    return (await prefillBatch(this.#options.draft.prefill, this.#options.draft.config, prompts)).map((row) => row.cache);
  }

  /** A row joins after the existing ones, as it joins the target's cache. */
  addRow(row: RowCache): void {
    this.#draftCache.addRow(row);
  }

  /** Rows leaving the target's batch leave the draft's, reordered as `swapRemove` reorders them. */
  removeRows(indices: ReadonlySet<number>): void {
    this.#draftCache.removeRows(indices);
  }

  /**
   * One target step for every row: proposals, verification, acceptance. Returns each row's events and the indices
   * of rows that finished; each remaining row's `lastToken` is its newest token.
   */
  async step(targetCache: SlotKvCache, rows: readonly SpeculativeRow[]): Promise<{ events: StepEvent[]; finished: Set<number> }> {
    const { targetConfig, draft } = this.#options;
    if (this.#draftCache.rowCount !== rows.length || targetCache.rowCount !== rows.length) {
      throw new Error(`speculative decoding: ${rows.length} rows, but the target cache holds ${targetCache.rowCount} and the draft's ${this.#draftCache.rowCount}`);
    }
    const lengths = [...targetCache.rowLengths];
    // Each row's own k, from its own state alone (so a seeded row draws the same alone or batched): no proposal past
    // the context (k + 1 new slots) or past its token limit. The step's width is the largest; a row with a smaller k
    // fills the positions past it with padding that spends none of its draws (the draft's argmax) and that the
    // verification ignores (decodeTokens puts it at the context's last position, after the row's real tokens).
    const rowProposals = rows.map((row, r) => Math.max(0, Math.min(this.#options.proposals, targetConfig.blockSize - 1 - lengths[r]!, draft.config.blockSize - 1 - lengths[r]!, row.sampler.maxTokens - row.sampler.generatedCount - 1)));
    const k = Math.max(...rowProposals);
    if (k < 1) return this.#plainStep(targetCache, rows);
    // Padding needs a free position after the row's real tokens: always there for a request whose prompt and
    // max_tokens fit the context (prepare-generation.ts refuses others). If not, a plain step for every row.
    if (rows.some((_, r) => rowProposals[r]! < k && lengths[r]! + rowProposals[r]! + 1 >= targetConfig.blockSize)) return this.#plainStep(targetCache, rows);

    const V = this.#options.sampledVocabSize;
    const proposals: number[][] = rows.map(() => []);
    const draftProbabilities: Float64Array[][] = rows.map(() => []);
    let feed = rows.map((row) => row.lastToken);
    for (let j = 0; j < k; j++) {
      // Step j feeds row r a real token while j ≤ k(r): its current token, then its proposals.
      const logits = await decodeOneToken(draft.step, draft.config, this.#draftCache, feed, rowProposals.map((rowK) => (j <= rowK ? 1 : 0)));
      rows.forEach((row, r) => {
        const rowLogits = logits.subarray(r * draft.config.vocabSize, r * draft.config.vocabSize + V);
        if (j >= rowProposals[r]!) {
          proposals[r]!.push(argmax(rowLogits));
          return;
        }
        const q = row.sampler.distribution(rowLogits, proposals[r]!);
        draftProbabilities[r]!.push(q);
        proposals[r]!.push(drawFrom(q, row.sampler.uniform()));
      });
      feed = proposals.map((proposed) => proposed[j]!);
    }

    const verified = await decodeTokens(this.#options.targetVerify, targetConfig, targetCache, rows.map((row, r) => [row.lastToken, ...proposals[r]!]), rowProposals.map((rowK) => rowK + 1));
    const targetLogits = (r: number, i: number) => {
      const at = (r * (k + 1) + i) * targetConfig.vocabSize;
      return verified.subarray(at, at + V);
    };
    const events: StepEvent[] = [];
    const finished = new Set<number>();
    const gained: number[] = [];
    rows.forEach((row, r) => {
      const proposed = proposals[r]!;
      const rowK = rowProposals[r]!;
      let count = 0;
      for (let i = 0; i <= rowK; i++) {
        const logits = targetLogits(r, i);
        const p = row.sampler.distribution(logits, proposed.slice(0, i));
        let token: number;
        let kept = false;
        if (i < rowK && keepsProposal(p, draftProbabilities[r]![i]!, proposed[i]!, row.sampler.uniform())) {
          token = proposed[i]!;
          kept = true;
          this.stats.accepted += 1;
        } else token = i < rowK ? drawCorrection(p, draftProbabilities[r]![i]!, row.sampler.uniform()) : drawFrom(p, row.sampler.uniform());
        count += 1;
        row.lastToken = token;
        if (!this.#emit(events, row, token, logits)) {
          finished.add(r);
          break;
        }
        if (!kept) break;
      }
      gained.push(count);
      this.stats.proposed += rowK;
      this.stats.tokens += count;
    });
    this.stats.steps += 1;

    // A row of k proposals that kept them all has k + 1 new tokens in the target's cache but only k in the draft's
    // (the last proposal was drawn, never fed): one more draft step feeds it. A row of fewer proposals fed its last
    // one at step k(r) already; here it is fed padding.
    const feedsLast = rows.map((_, r) => !finished.has(r) && rowProposals[r] === k && gained[r] === k + 1);
    if (feedsLast.some(Boolean)) await decodeOneToken(draft.step, draft.config, this.#draftCache, proposals.map((proposed) => proposed[k - 1]!), feedsLast.map((feeds) => (feeds ? 1 : 0)));
    rows.forEach((_, r) => {
      targetCache.truncateRow(r, lengths[r]! + gained[r]!);
      this.#draftCache.truncateRow(r, Math.min(this.#draftCache.rowLengths[r]!, lengths[r]! + gained[r]!));
    });
    return { events, finished };
  }

  /** No room to propose: one plain target step, the draft fed the same token so its cache stays beside. */
  async #plainStep(targetCache: SlotKvCache, rows: readonly SpeculativeRow[]): Promise<{ events: StepEvent[]; finished: Set<number> }> {
    const { targetConfig, draft } = this.#options;
    const tokens = rows.map((row) => row.lastToken);
    const logits = await decodeOneToken(this.#options.targetStep, targetConfig, targetCache, tokens);
    if (Math.max(...this.#draftCache.rowLengths) < draft.config.blockSize) await decodeOneToken(draft.step, draft.config, this.#draftCache, tokens);
    const events: StepEvent[] = [];
    const finished = new Set<number>();
    rows.forEach((row, r) => {
      const at = r * targetConfig.vocabSize;
      const rowLogits = logits.subarray(at, at + this.#options.sampledVocabSize);
      const token = drawFrom(row.sampler.distribution(rowLogits, []), row.sampler.uniform());
      row.lastToken = token;
      if (!this.#emit(events, row, token, rowLogits)) finished.add(r);
    });
    this.stats.steps += 1;
    this.stats.tokens += rows.length;
    return { events, finished };
  }

  /** Records a token and its events; false when the row is done (end of text, or its token limit). */
  #emit(events: StepEvent[], row: SpeculativeRow, token: number, logits: Float32Array): boolean {
    if (token === this.#options.eosTokenId) {
      events.push({ type: 'finish', requestId: row.requestId, reason: 'stop' });
      return false;
    }
    events.push({ type: 'token', requestId: row.requestId, ...row.sampler.record(token, logits) });
    if (row.sampler.generatedCount >= row.sampler.maxTokens) {
      events.push({ type: 'finish', requestId: row.requestId, reason: 'length' });
      return false;
    }
    return true;
  }
}

// Continuous batching over a KV-cache decoder session: each new request is prefilled alone, then joins the running
// batch; every step decodes one token for all rows at once, and finished or cancelled rows leave before the next.
// Runs inside an inference worker (and in-process in tests). Prefill runs the exported decoder (Optimum-style,
// decoderNames); decode steps run the step decoder over the slot cache, which they update in place.

import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import type { GenerationRequest } from './text-generator.ts';
import { prefillBatch } from './batched-prefill.ts';
import { SlotKvCache, swapRemove } from './slot-kv-cache.ts';
import { decodeOneToken } from './step-decode.ts';
import { SequenceSampler } from './sequence-sampler.ts';
import type { StepEvent } from './worker-protocol.ts';

/** The cache grows and shrinks by this many slots per row. */
const SLOT_CHUNK = 32;

export interface DecodeLoopOptions {
  /** The exported decoder (onnx/model*.onnx): prompts joining the batch. */
  prefillSession: ModelSession;
  /** The step decoder (step-decoder-graph.ts) of the same weights: one token for every row. */
  stepSession: ModelSession;
  config: ModelConfig;
  eosTokenId: number | null;
  /**
   * Ids the tokenizer can turn back into text: [0, sampledVocabSize). A model whose embedding is padded past its
   * tokenizer (vocab_size 120 over 36 tokens, 50304 over 50257) never samples the padding. The model's vocabulary
   * when absent.
   */
  sampledVocabSize?: number;
  maxBatchSize: number;
  /** Called once per prefill or decode step with what happened to each request. */
  emit: (events: StepEvent[]) => void;
}

interface Row {
  requestId: number;
  sampler: SequenceSampler;
  lastToken: number;
}

interface Pending {
  requestId: number;
  request: GenerationRequest;
}

export class DecodeLoop {
  readonly #options: DecodeLoopOptions;
  readonly #cache: SlotKvCache;
  readonly #pending: Pending[] = [];
  readonly #cancelled = new Set<number>();
  #rows: Row[] = [];
  #running: Promise<void> | null = null;
  #prefilling = new Set<number>();

  constructor(options: DecodeLoopOptions) {
    this.#options = options;
    const limits = { maxRows: options.maxBatchSize, maxSlots: options.config.blockSize, slotChunk: SLOT_CHUNK };
    this.#cache = new SlotKvCache(kvCacheShape(options.config), limits);
  }

  submit(requestId: number, request: GenerationRequest): void {
    this.#pending.push({ requestId, request });
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
  }

  /** The request stops within a step and gets no more events. */
  cancel(requestId: number): void {
    const waiting = this.#pending.findIndex((pending) => pending.requestId === requestId);
    if (waiting >= 0) this.#pending.splice(waiting, 1);
    else if (this.#prefilling.has(requestId) || this.#rows.some((row) => row.requestId === requestId)) this.#cancelled.add(requestId);
  }

  /** Every waiting and running request stops within a step (the worker's stop). */
  cancelAll(): void {
    this.#pending.length = 0;
    for (const requestId of this.#prefilling) this.#cancelled.add(requestId);
    for (const row of this.#rows) this.#cancelled.add(row.requestId);
  }

  /** Resolves when no work is left (tests, and a stopping worker). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0 || this.#rows.length > 0) {
      try {
        await this.#admitWaiting();
        if (this.#rows.length > 0) await this.#decodeStep();
      } catch (error) {
        this.#failEverything(error as Error);
      }
    }
  }

  /** Prefills the waiting requests that fit in the batch with one decoder call, and adds them as rows. */
  async #admitWaiting(): Promise<void> {
    const joining = this.#pending.splice(0, Math.max(0, this.#options.maxBatchSize - this.#rows.length));
    if (joining.length === 0) return;
    this.#prefilling = new Set(joining.map(({ requestId }) => requestId));
    try {
      const prefilled = await prefillBatch(this.#options.prefillSession, this.#options.config, joining.map(({ request }) => request.promptTokens));
      const events: StepEvent[] = [];
      joining.forEach(({ requestId, request }, index) => {
        if (this.#cancelled.delete(requestId)) return;
        const { logits, cache } = prefilled[index]!;
        const sampler = new SequenceSampler(request);
        const token = this.#sampleInto(events, requestId, sampler, logits);
        if (token === null) return;
        this.#cache.addRow(cache);
        this.#rows.push({ requestId, sampler, lastToken: token });
      });
      this.#options.emit(events);
    } catch (error) {
      const message = `prefill failed: ${(error as Error).message}`;
      this.#options.emit(joining.map(({ requestId }) => ({ type: 'error' as const, requestId, message })));
    } finally {
      this.#prefilling = new Set();
    }
  }

  /** One token for every row: (B, 1) ids at each row's own position, over the slot cache. */
  async #decodeStep(): Promise<void> {
    const { config, stepSession } = this.#options;
    const rows = this.#rows;
    const logits = await decodeOneToken(stepSession, config, this.#cache, rows.map((row) => row.lastToken));
    const events: StepEvent[] = [];
    const leaving = new Set<number>();
    rows.forEach((row, index) => {
      if (this.#cancelled.delete(row.requestId)) {
        leaving.add(index);
        return;
      }
      const token = this.#sampleInto(events, row.requestId, row.sampler, logits.subarray(index * config.vocabSize, (index + 1) * config.vocabSize));
      if (token === null) leaving.add(index);
      else row.lastToken = token;
    });
    this.#options.emit(events);
    this.#cache.removeRows(leaving);
    this.#rows = swapRemove(rows, leaving);
  }

  /** Samples, records the token and maybe a finish; returns the token to feed next, or null when the row is done. */
  #sampleInto(events: StepEvent[], requestId: number, sampler: SequenceSampler, logits: Float32Array): number | null {
    const sampled = sampler.next(logits.subarray(0, this.#options.sampledVocabSize ?? logits.length));
    if (sampled.tokenId === this.#options.eosTokenId) {
      events.push({ type: 'finish', requestId, reason: 'stop' });
      return null;
    }
    events.push({ type: 'token', requestId, ...sampled });
    if (sampler.generatedCount >= sampler.maxTokens) {
      events.push({ type: 'finish', requestId, reason: 'length' });
      return null;
    }
    return sampled.tokenId;
  }

  #failEverything(error: Error): void {
    const message = `inference step failed: ${error.message}`;
    const events: StepEvent[] = [...this.#rows, ...this.#pending].map(({ requestId }) => ({ type: 'error', requestId, message }));
    this.#rows = [];
    this.#pending.length = 0;
    this.#cancelled.clear();
    this.#cache.removeRows(new Set(this.#cache.rowLengths.map((_, index) => index)));
    this.#options.emit(events);
  }
}

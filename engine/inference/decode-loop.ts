// Continuous batching over a KV-cache decoder session: new requests are prefilled, then join the running batch;
// every step decodes one token for all rows at once, and finished or cancelled rows leave before the next.
// Runs inside an inference worker (and in-process in tests). Prefill runs the exported decoder (Optimum-style,
// decoderNames); decode steps run the step decoder over the slot cache, which they update in place. A prompt
// longer than a chunk that arrives while rows are running is prefilled a chunk between two decode steps
// (chunked-prefill.ts), so the running rows are never stalled for a whole long prefill.

import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import type { GenerationRequest } from './text-generator.ts';
import { prefillBatch } from './batched-prefill.ts';
import { SLOT_CHUNK, SlotKvCache, swapRemove } from './slot-kv-cache.ts';
import { decodeOneToken } from './step-decode.ts';
import { ChunkedPrefill, PREFILL_CHUNK_TOKENS } from './chunked-prefill.ts';
import { SequenceSampler } from './sequence-sampler.ts';
import type { SpeculativeDecoder } from './speculative-step.ts';
import type { StepEvent } from './worker-protocol.ts';

export interface DecodeLoopOptions {
  /** The exported decoder (onnx/model*.onnx): prompts joining the batch. */
  prefillSession: ModelSession;
  /** The step decoder (step-decoder-graph.ts) of the same weights: one token for every row. */
  stepSession: ModelSession;
  /**
   * Its many-tokens build (decoder-pair.ts `stepMany`): long prompts joining a running batch are prefilled through it
   * a chunk at a time. Without it every prompt is prefilled whole before the next decode step.
   */
  stepManySession?: ModelSession | null;
  config: ModelConfig;
  eosTokenId: number | null;
  /**
   * Ids the tokenizer can turn back into text: [0, sampledVocabSize). A model whose embedding is padded past its
   * tokenizer (vocab_size 120 over 36 tokens, 50304 over 50257) never samples the padding. The model's vocabulary
   * when absent.
   */
  sampledVocabSize?: number;
  maxBatchSize: number;
  /** Prompt tokens per chunk when a long prompt joins a running batch (PREFILL_CHUNK_TOKENS when absent). */
  prefillChunkTokens?: number;
  /** Called once per prefill or decode step with what happened to each request. */
  emit: (events: StepEvent[]) => void;
  /** With a draft model: each decode step is a speculative one (speculative-step.ts), verified by the target. */
  speculative?: SpeculativeDecoder;
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
  /** The long prompt being prefilled a chunk per step, if any (one at a time). */
  #chunked: (Pending & { prefill: ChunkedPrefill }) | null = null;

  constructor(options: DecodeLoopOptions) {
    this.#options = options;
    // A speculative step's padding goes past the context for a moment (speculative-step.ts).
    const limits = { maxRows: options.maxBatchSize, maxSlots: options.config.blockSize + (options.speculative?.paddingSlots ?? 0), slotChunk: SLOT_CHUNK };
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
    else if (this.#prefilling.has(requestId) || this.#chunked?.requestId === requestId || this.#rows.some((row) => row.requestId === requestId)) this.#cancelled.add(requestId);
  }

  /** Every waiting and running request stops within a step (the worker's stop). */
  cancelAll(): void {
    this.#pending.length = 0;
    for (const requestId of this.#prefilling) this.#cancelled.add(requestId);
    if (this.#chunked) this.#cancelled.add(this.#chunked.requestId);
    for (const row of this.#rows) this.#cancelled.add(row.requestId);
  }

  /** Resolves when no work is left (tests, and a stopping worker). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    while (this.#pending.length > 0 || this.#rows.length > 0 || this.#chunked) {
      try {
        await this.#admitWaiting();
        if (this.#chunked) await this.#prefillChunk();
        if (this.#rows.length > 0) await this.#decodeStep();
      } catch (error) {
        this.#failEverything(error as Error);
      }
    }
  }

  /**
   * Prefills the waiting requests that fit in the batch with one decoder call, and adds them as rows. While rows are
   * running, a prompt longer than a chunk starts a chunked prefill instead (when none is under way; otherwise it and
   * the requests behind it wait, in order).
   */
  async #admitWaiting(): Promise<void> {
    const free = Math.max(0, this.#options.maxBatchSize - this.#rows.length - (this.#chunked ? 1 : 0));
    const chunkTokens = this.#options.prefillChunkTokens ?? PREFILL_CHUNK_TOKENS;
    let taken = 0;
    const stepMany = this.#options.stepManySession ?? null;
    if (this.#rows.length > 0 && stepMany !== null) {
      while (taken < Math.min(free, this.#pending.length) && this.#pending[taken]!.request.promptTokens.length <= chunkTokens) taken++;
      const next = this.#pending[taken];
      if (next && taken < free && this.#chunked === null) {
        this.#pending.splice(taken, 1);
        this.#chunked = { ...next, prefill: new ChunkedPrefill(next.request.promptTokens, this.#options.config, chunkTokens) };
      }
    } else taken = Math.min(free, this.#pending.length);
    const joining = this.#pending.splice(0, taken);
    if (joining.length === 0) return;
    this.#prefilling = new Set(joining.map(({ requestId }) => requestId));
    try {
      const prefilled = await prefillBatch(this.#options.prefillSession, this.#options.config, joining.map(({ request }) => request.promptTokens));
      const drafted = await this.#options.speculative?.prefill(joining.map(({ request }) => request.promptTokens));
      const events: StepEvent[] = [];
      joining.forEach(({ requestId, request }, index) => {
        if (this.#cancelled.delete(requestId)) return;
        const { logits, cache } = prefilled[index]!;
        const sampler = new SequenceSampler(request);
        const token = this.#sampleInto(events, requestId, sampler, logits);
        if (token === null) return;
        this.#cache.addRow(cache);
        if (drafted) this.#options.speculative!.addRow(drafted[index]!);
        this.#rows.push({ requestId, sampler, lastToken: token });
      });
      this.#options.emit(events);
    } catch (error) {
      const message = `prefill failed: ${(error as Error).message}`;
      // A request cancelled meanwhile gets no more events (and leaves no id behind in #cancelled).
      const failed = joining.filter(({ requestId }) => !this.#cancelled.delete(requestId));
      this.#options.emit(failed.map(({ requestId }) => ({ type: 'error' as const, requestId, message })));
    } finally {
      this.#prefilling = new Set();
    }
  }

  /** One chunk of the long prompt under way; once it is all in, its first token is sampled and it joins the batch. */
  async #prefillChunk(): Promise<void> {
    const chunked = this.#chunked!;
    const { requestId, request, prefill } = chunked;
    if (this.#cancelled.delete(requestId)) {
      this.#chunked = null;
      return;
    }
    let logits: Float32Array | null;
    try {
      logits = await prefill.next({ prefill: this.#options.prefillSession, stepMany: this.#options.stepManySession! });
    } catch (error) {
      this.#chunked = null;
      if (!this.#cancelled.delete(requestId)) this.#options.emit([{ type: 'error', requestId, message: `prefill failed: ${(error as Error).message}` }]);
      return;
    }
    if (logits === null) return;
    // It stays `#chunked` until it is a row, so a cancel during the draft's prefill below still finds it.
    try {
      if (this.#cancelled.delete(requestId)) return;
      const events: StepEvent[] = [];
      const sampler = new SequenceSampler(request);
      const token = this.#sampleInto(events, requestId, sampler, logits);
      if (token !== null) {
        // The draft model (speculative decoding) keeps a cache row per target row: it prefills the prompt whole.
        const [drafted] = (await this.#options.speculative?.prefill([request.promptTokens])) ?? [];
        if (this.#cancelled.delete(requestId)) return;
        this.#cache.addRow(prefill.rowCache());
        if (drafted) this.#options.speculative!.addRow(drafted);
        this.#rows.push({ requestId, sampler, lastToken: token });
      }
      this.#options.emit(events);
    } finally {
      this.#chunked = null;
    }
  }

  /** One token for every row: (B, 1) ids at each row's own position, over the slot cache. */
  async #decodeStep(): Promise<void> {
    if (this.#options.speculative) return this.#speculativeStep(this.#options.speculative);
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

  /** One speculative step: every row gains 1 to k + 1 tokens; finished and cancelled rows leave both caches. */
  async #speculativeStep(speculative: SpeculativeDecoder): Promise<void> {
    const rows = this.#rows;
    const { events, finished } = await speculative.step(this.#cache, rows);
    const cancelled = new Set(rows.filter((row) => this.#cancelled.delete(row.requestId)).map((row) => row.requestId));
    rows.forEach((row, index) => {
      if (cancelled.has(row.requestId)) finished.add(index);
    });
    this.#options.emit(events.filter((event) => !cancelled.has(event.requestId)));
    this.#cache.removeRows(finished);
    speculative.removeRows(finished);
    this.#rows = swapRemove(rows, finished);
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
    const events: StepEvent[] = [...this.#rows, ...this.#pending, ...(this.#chunked ? [this.#chunked] : [])].map(({ requestId }) => ({ type: 'error', requestId, message }));
    this.#rows = [];
    this.#chunked = null;
    this.#pending.length = 0;
    this.#cancelled.clear();
    this.#options.speculative?.removeRows(new Set(this.#cache.rowLengths.map((_, index) => index)));
    this.#cache.removeRows(new Set(this.#cache.rowLengths.map((_, index) => index)));
    this.#options.emit(events);
  }
}

// The inference runtime behind a deployment: a model folder's ONNX KV-cache decoder in one or more worker threads
// (replicas), each running continuous batching. Implements the serving layer's TextGenerator seam. Replicas can be
// added (they take requests once loaded) and drained (no new requests; stopped once their requests end).
import { performance } from 'node:perf_hooks';
import type { ComputeDevice } from '../../app/protocol/compute-devices.ts';
import type { GenerationEvent, GenerationRequest, GeneratorHealth, PromptScore, TextGenerator, TokenAlternative } from './text-generator.ts';
import type { IdLogprob } from './prompt-scoring.ts';
import type { Tokenizer } from '../tokenize/tokenizer.ts';
import { IncrementalText } from './incremental-text.ts';
import { logprobToken } from './logprob-token.ts';
import { InferenceReplica } from './inference-replica.ts';
import { LatencyWindow } from './latency-window.ts';
import { readServableModel } from './model-files.ts';
import { type DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import type { InferenceWorkerData, StepEvent } from './worker-protocol.ts';
import { readDraftModel } from './speculative-draft.ts';
import type { SpeculativeStats } from './speculative-step.ts';

/**
 * How many replicas are in each state: serving (ready), loading the model (or restarting after a crash), draining
 * before they stop, or failed for good (their model did not load; removeFailedReplicas() takes them away).
 */
export interface ReplicaCounts {
  ready: number;
  loading: number;
  draining: number;
  failed: number;
}

export interface OnnxTextGeneratorOptions {
  modelDir: string;
  /** The id clients pass as `model`. */
  modelId: string;
  /** Worker threads, each with its own session and batch. */
  replicas?: number;
  /** Rows one worker decodes together. */
  maxBatchSize?: number;
  precision?: DecoderPrecision;
  /** ORT intra-op threads of each worker (the deploy node's `threads`); 0 lets ORT use every core. */
  threads?: number;
  /** Where the decoder runs, already resolved (engine/ml/runtime/device.ts); the CPU by default. */
  device?: ComputeDevice;
  log?: (line: string) => void;
  /** A draft model folder to speculate with, and its proposals per step (speculative-draft.ts). */
  draft?: { modelDir: string; proposals: number };
  /** Called when the replicas change: one added, loaded, crashed, drained or stopped (the deployment resizes its batch slots). */
  onReplicasChanged?: () => void;
}

export class OnnxTextGenerator implements TextGenerator {
  readonly modelId: string;
  /** Where every replica's decoder session runs. */
  readonly device: ComputeDevice;
  readonly contextLength: number;
  readonly vocabularySize: number;
  readonly chatTemplate?: string;
  readonly specialTokens?: { bos?: string; eos?: string };
  /** Time from a request reaching a replica to its first token, for the autoscaler. */
  readonly firstTokenLatency = new LatencyWindow();
  readonly #tokenizer: Tokenizer;
  readonly #startTokenId: number | null;
  readonly #workerData: InferenceWorkerData;
  readonly #log: (line: string) => void;
  readonly #onReplicasChanged: () => void;
  /** Replicas that take requests (once loaded), in the order they were added. */
  #serving: InferenceReplica[] = [];
  /** Replicas finishing their requests before they stop; they take no new ones. */
  readonly #draining = new Set<InferenceReplica>();
  readonly #stopping = new Set<Promise<void>>();
  #nextReplicaIndex = 0;
  #nextRequestId = 1;
  #closed = false;

  /** Reads the folder's config and tokenizer now (throwing on a bad folder); workers load the decoder in the background. */
  constructor(options: OnnxTextGeneratorOptions) {
    const model = readServableModel(options.modelDir, options.precision);
    this.modelId = options.modelId;
    this.device = options.device ?? 'cpu';
    this.contextLength = model.config.blockSize;
    this.vocabularySize = model.config.vocabSize;
    this.#tokenizer = model.tokenizer;
    this.#startTokenId = model.eosTokenId;
    if (model.chatTemplate !== undefined) this.chatTemplate = model.chatTemplate;
    const eos = model.eosTokenId === null ? undefined : model.tokenizer.tokenOf(model.eosTokenId);
    if (eos !== undefined) this.specialTokens = { bos: eos, eos };
    this.#log = options.log ?? ((line: string) => console.warn(line));
    this.#onReplicasChanged = options.onReplicasChanged ?? (() => undefined);
    this.#workerData = {
      modelFolder: options.modelDir,
      precision: options.precision ?? 'float32',
      decoderPath: model.decoderPath,
      config: model.config,
      eosTokenId: model.eosTokenId,
      sampledVocabSize: Math.min(model.config.vocabSize, model.tokenizer.vocabSize),
      maxBatchSize: options.maxBatchSize ?? 16,
      intraOpThreads: options.threads ?? 1,
      device: this.device,
      ...(options.draft ? { draft: readDraftModel(options.draft.modelDir, model, options.draft.proposals) } : {}),
    };
    for (let index = 0; index < (options.replicas ?? 1); index++) this.addReplica();
  }

  /** The replicas that take requests (draining ones are left out). */
  get replicas(): readonly InferenceReplica[] {
    return this.#serving;
  }

  /** With a draft model: speculative decoding's counts summed over the replicas (a restarted one counts from 0); else null. */
  speculation(): SpeculativeStats | null {
    if (!this.#workerData.draft) return null;
    const total: SpeculativeStats = { proposed: 0, accepted: 0, steps: 0, tokens: 0 };
    for (const replica of [...this.#serving, ...this.#draining]) {
      const stats = replica.speculation;
      if (stats === null) continue;
      for (const key of ['proposed', 'accepted', 'steps', 'tokens'] as const) total[key] += stats[key];
    }
    return total;
  }

  replicaCounts(): ReplicaCounts {
    const ready = this.#serving.filter((replica) => replica.health === 'ready').length;
    const failed = this.#serving.filter(isFailedForGood).length;
    return { ready, loading: this.#serving.length - ready - failed, draining: this.#draining.size, failed };
  }

  /** Stops and forgets the replicas whose model failed to load (a crashed one restarts instead); returns how many. */
  removeFailedReplicas(): number {
    const failed = this.#serving.filter(isFailedForGood);
    if (failed.length === 0) return 0;
    this.#serving = this.#serving.filter((replica) => !isFailedForGood(replica));
    for (const replica of failed) {
      const stopped = replica.close().finally(() => this.#stopping.delete(stopped));
      this.#stopping.add(stopped);
    }
    this.#onReplicasChanged();
    return failed.length;
  }

  /** Starts one more worker; it gets requests only once its model is loaded (while another replica is ready). */
  addReplica(): InferenceReplica {
    if (this.#closed) throw new Error(`model "${this.modelId}": the deployment is stopping; no replica can be added`);
    const label = `${this.modelId}#${this.#nextReplicaIndex++}`;
    const replica = new InferenceReplica({ workerData: this.#workerData, log: this.#log, label, onHealthChanged: this.#onReplicasChanged });
    this.#serving.push(replica);
    this.#onReplicasChanged();
    return replica;
  }

  /**
   * Takes the least loaded replica out of routing, waits for its requests to end, then stops its worker between
   * ONNX Runtime calls (InferenceReplica.close). Resolves once it has stopped; null when one replica is all there is.
   */
  drainReplica(): Promise<void> | null {
    if (this.#serving.length <= 1) return null;
    const rank = (replica: InferenceReplica) => (replica.health === 'ready' ? 1 : 0);
    // A replica that is not ready (loading, or failed) goes first; among ready ones the least loaded, newest first.
    const victim = [...this.#serving].reverse().sort((a, b) => rank(a) - rank(b) || a.load - b.load)[0]!;
    this.#serving = this.#serving.filter((replica) => replica !== victim);
    this.#draining.add(victim);
    this.#onReplicasChanged();
    const stopped = victim
      .whenIdle()
      .then(() => victim.close())
      .finally(() => {
        this.#draining.delete(victim);
        this.#stopping.delete(stopped);
        this.#onReplicasChanged();
      });
    this.#stopping.add(stopped);
    return stopped;
  }

  /** Resolves when every serving replica has loaded the model; rejects with the first load failure. */
  async whenReady(): Promise<void> {
    await Promise.all(this.#serving.map((replica) => replica.whenReady()));
  }

  health(): GeneratorHealth {
    const states = this.#serving.map((replica) => replica.health);
    if (states.includes('ready')) return 'ready';
    return states.includes('loading') ? 'loading' : 'failed';
  }

  /** While every replica is down and one of them waits to restart: ms until the first restart; otherwise null. */
  restartInMs(): number | null {
    if (this.health() !== 'failed') return null;
    const waits = this.#serving.map((replica) => replica.restartInMs).filter((wait) => wait !== null);
    return waits.length > 0 ? Math.min(...waits) : null;
  }

  tokenize(text: string): number[] {
    return this.#tokenizer.encode(text);
  }

  detokenize(tokenIds: number[]): string {
    return this.#tokenizer.decode(tokenIds);
  }

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    if (signal.aborted) return;
    const replica = this.#leastLoadedReplica();
    const requestId = this.#nextRequestId++;
    const submittedMs = performance.now();
    const events = replica.submit(requestId, this.#withStartToken(request));
    const onAbort = () => replica.cancel(requestId);
    signal.addEventListener('abort', onAbort, { once: true });
    const text = new IncrementalText(this.#tokenizer);
    let first = true;
    try {
      for await (const event of events) {
        if (signal.aborted) return;
        if (first && event.type === 'token') {
          first = false;
          this.firstTokenLatency.add(performance.now() - submittedMs);
        }
        yield this.#toGenerationEvent(event, text);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      replica.cancel(requestId);
    }
  }

  /** One forward pass over the prompt in the least loaded worker (prompt-scoring.ts); texts are added here. */
  async scorePrompt(promptTokens: readonly number[], topLogprobs: number, signal: AbortSignal): Promise<PromptScore> {
    signal.throwIfAborted();
    const scored = await this.#leastLoadedReplica().score(this.#nextRequestId++, [...promptTokens], topLogprobs);
    const alternatives = (top: IdLogprob[]): TokenAlternative[] => top.map(({ tokenId, logprob }) => this.#alternative(tokenId, logprob));
    const text = new IncrementalText(this.#tokenizer);
    const tokens = promptTokens.map((tokenId, index) => {
      const position = index === 0 ? null : scored.positions[index - 1]!;
      return { tokenId, text: text.push(tokenId), logprob: position?.logprob ?? null, topLogprobs: position ? alternatives(position.top) : null, asLogprob: logprobToken(this.#tokenizer, tokenId) };
    });
    const last = tokens.at(-1);
    if (last) last.text += text.flush();
    const end = scored.endOfText;
    const endOfText = end === null || this.#startTokenId === null ? null : { tokenId: this.#startTokenId, text: this.#tokenizer.tokenOf(this.#startTokenId) ?? '', logprob: end.logprob, topLogprobs: alternatives(end.top) };
    return { tokens, endOfText };
  }

  /** An empty prompt starts from the end-of-text token, as GPT-2 models are trained to (its BOS is its EOS). */
  #withStartToken(request: GenerationRequest): GenerationRequest {
    if (request.promptTokens.length > 0) return request;
    if (this.#startTokenId === null) {
      throw new Error(`model "${this.modelId}": the prompt is empty and the model has no end-of-text token to start from; send at least one token of prompt`);
    }
    return { ...request, promptTokens: [this.#startTokenId], maxTokens: Math.min(request.maxTokens, this.contextLength - 1) };
  }

  /** Stops every worker, draining ones included: requests still running end with an error. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#serving, ...this.#draining].map((replica) => replica.close()));
    await Promise.all(this.#stopping);
  }

  /** Ready replicas first, then loading ones (their workers take messages as soon as the model is in). */
  #leastLoadedReplica(): InferenceReplica {
    const rank = (replica: InferenceReplica) => (replica.health === 'ready' ? 0 : replica.health === 'loading' ? 1 : 2);
    return [...this.#serving].sort((a, b) => rank(a) - rank(b) || a.load - b.load)[0]!;
  }

  #toGenerationEvent(event: StepEvent, text: IncrementalText): GenerationEvent {
    if (event.type === 'finish') {
      const held = text.flush();
      return held === '' ? { type: 'finish', reason: event.reason } : { type: 'finish', reason: event.reason, text: held };
    }
    if (event.type === 'error') throw new Error(event.message);
    const token: GenerationEvent = { type: 'token', tokenId: event.tokenId, text: text.push(event.tokenId) };
    if (event.logprob !== undefined) {
      token.logprob = event.logprob;
      token.asLogprob = logprobToken(this.#tokenizer, event.tokenId);
    }
    if (event.topLogprobs !== undefined) token.topLogprobs = event.topLogprobs.map(({ tokenId, logprob }) => this.#alternative(tokenId, logprob));
    return token;
  }

  /** A likely token as logprobs list it: on its own, so one ending inside a character is its bytes, not U+FFFD. */
  #alternative(tokenId: number, logprob: number): TokenAlternative {
    const { token, bytes } = logprobToken(this.#tokenizer, tokenId);
    return { tokenId, text: token, logprob, bytes };
  }
}

function isFailedForGood(replica: InferenceReplica): boolean {
  return replica.health === 'failed' && replica.restartInMs === null;
}

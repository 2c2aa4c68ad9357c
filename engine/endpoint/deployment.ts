// One served model: its generator, sampling defaults, chat formatting, and the bounded admission queue in front of
// it — at most maxBatchSize generations run, at most maxQueue wait, and anything more is refused at once with a 503.
// An autoscaled deployment resizes maxBatchSize as replicas load and drain (setMaxBatchSize).
import { chatFormatterFor, type ChatFormatter } from './chat-template.ts';
import { OpenAiError } from './openai-error.ts';
import type { TextGenerator } from '../inference/text-generator.ts';
import type { ScalingSnapshot } from '../inference/replica-autoscaler.ts';
import type { SpeculativeStats } from '../inference/speculative-step.ts';

export interface SamplingDefaults {
  temperature: number;
  topP: number;
  topK: number;
  /** For requests that leave max_tokens out; null: the rest of the context. */
  maxTokens: number | null;
}

/** Mirrors the deploy node's config (nodes/deploy/spec.ts) minus what only the runtime needs. */
export interface DeploymentOptions {
  generator: TextGenerator;
  maxBatchSize: number;
  maxQueue: number;
  /** 0 or absent: the model's own context length. Never above it. */
  contextLength?: number;
  defaults: SamplingDefaults;
  /** What a 503 for a full queue or a loading model suggests waiting. */
  retryAfterMs?: number;
  /** The replicas and scaling decisions, read when /metrics is scraped; absent for a generator without replicas. */
  scaling?: () => ScalingSnapshot;
  /** With a draft model: speculative decoding's counts, read when /metrics is scraped. */
  speculation?: () => SpeculativeStats | null;
}

interface Waiter {
  grant: (release: () => void) => void;
}

export class Deployment {
  readonly model: string;
  readonly generator: TextGenerator;
  readonly contextLength: number;
  readonly defaults: SamplingDefaults;
  readonly chat: ChatFormatter;
  readonly scaling: (() => ScalingSnapshot) | undefined;
  readonly speculation: (() => SpeculativeStats | null) | undefined;
  #maxBatchSize: number;
  readonly #maxQueue: number;
  readonly #retryAfterMs: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;

  constructor(options: DeploymentOptions) {
    this.generator = options.generator;
    this.model = options.generator.modelId;
    const own = options.generator.contextLength;
    this.contextLength = options.contextLength ? Math.min(options.contextLength, own) : own;
    this.defaults = options.defaults;
    this.#maxBatchSize = options.maxBatchSize;
    this.#maxQueue = options.maxQueue;
    this.#retryAfterMs = options.retryAfterMs ?? 1_000;
    this.chat = chatFormatterFor(options.generator);
    this.scaling = options.scaling;
    this.speculation = options.speculation;
  }

  /** Generations that may run at once: every ready replica's batch. Raising it admits waiting requests now. */
  setMaxBatchSize(slots: number): void {
    this.#maxBatchSize = Math.max(1, slots);
    while (this.#running < this.#maxBatchSize && this.#waiting.length > 0) this.#waiting.shift()!.grant(this.#take());
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Every slot runs and the queue is full: a request now would be refused with a 503 (acquireSlot). */
  get full(): boolean {
    return this.#running >= this.#maxBatchSize && this.#waiting.length >= this.#maxQueue;
  }

  /** 503 unless the generator is ready to take requests: loading, restarting after a crash, or failed for good. */
  checkReady(): void {
    const health = this.generator.health();
    if (health === 'ready') return;
    if (health === 'loading') {
      throw new OpenAiError(503, 'model_loading', `The model \`${this.model}\` is still loading. Retry shortly.`, { retryAfterMs: this.#retryAfterMs });
    }
    const restartInMs = this.generator.restartInMs?.() ?? null;
    if (restartInMs !== null) {
      const retryAfterMs = Math.max(restartInMs, this.#retryAfterMs);
      const message = `The model \`${this.model}\` is restarting after its inference worker crashed. Retry after ${Math.ceil(retryAfterMs / 1000)} s.`;
      throw new OpenAiError(503, 'model_restarting', message, { retryAfterMs });
    }
    const message = `The model \`${this.model}\` failed and is not serving; check the engine's log for its worker's error.`;
    throw new OpenAiError(503, 'model_failed', message, { retryAfterMs: this.#retryAfterMs });
  }

  /**
   * Resolves with a release function once a batch slot is free. Throws a 503 at once when the queue is full, and
   * rejects with the signal's reason if the request is abandoned while waiting.
   */
  acquireSlot(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.#running < this.#maxBatchSize && this.#waiting.length === 0) return Promise.resolve(this.#take());
    if (this.#waiting.length >= this.#maxQueue) {
      const message = `The server is overloaded: \`${this.model}\` has ${this.#running} requests running and ${this.#waiting.length} waiting (the most it queues). Retry shortly.`;
      return Promise.reject(new OpenAiError(503, 'overloaded', message, { retryAfterMs: this.#retryAfterMs }));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #take(): () => void {
    this.#running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      const next = this.#waiting.shift();
      if (next) next.grant(this.#take());
    };
  }
}

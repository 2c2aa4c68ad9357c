// The main-thread side of one inference worker: starts it, routes its step events to each request's queue, and
// when the worker dies fails its in-flight requests at once (never a hang) and starts a fresh worker.
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { GenerationRequest, GeneratorHealth } from './text-generator.ts';
import { startTypeScriptWorker } from '../workers/typescript-worker.ts';
import { EventQueue } from './event-queue.ts';
import type { SpeculativeStats } from './speculative-step.ts';
import type { FromWorkerMessage, InferenceWorkerData, StepEvent, ToWorkerMessage } from './worker-protocol.ts';
import type { PromptIdScores } from './prompt-scoring.ts';

const WORKER_URL = new URL('./inference-worker.ts', import.meta.url);
/** Waits between restarts grow from the first to the last value, so a worker that dies on start does not spin. */
const RESTART_DELAYS_MS = [50, 250, 1_000, 5_000];
/**
 * How long a stop waits for the worker to finish the ONNX Runtime call under way (a model load, a decode step) and
 * exit by itself, before terminating it: terminating a thread inside an ORT call can abort the whole process.
 */
const STOP_GRACE_MS = 60_000;

export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}

export interface ReplicaOptions {
  workerData: InferenceWorkerData;
  /** A line for the engine's log (crashes, restarts, load failures). */
  log: (line: string) => void;
  /** Name used in log lines and errors, e.g. `my-model#0`. */
  label: string;
  /** Called after health() changes: loaded, crashed, restarting, failed, closed. */
  onHealthChanged?: () => void;
}

export class InferenceReplica {
  readonly #options: ReplicaOptions;
  readonly #requests = new Map<number, EventQueue<StepEvent>>();
  /** Prompt scorings waiting for the worker's answer. */
  #speculation: SpeculativeStats | null = null;
  readonly #scorings = new Map<number, { resolve: (scores: PromptIdScores) => void; reject: (error: Error) => void }>();
  #worker: Worker;
  #health: GeneratorHealth = 'loading';
  #closing = false;
  #closed: Promise<void> | null = null;
  #crashes = 0;
  #crashesSinceReady = 0;
  #lastError: Error | null = null;
  #readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #idleWaiters: (() => void)[] = [];
  #restartTimer: NodeJS.Timeout | null = null;
  /** performance.now() at which the pending restart fires; null when none is pending. */
  #restartDueMs: number | null = null;

  constructor(options: ReplicaOptions) {
    this.#options = options;
    this.#worker = this.#start();
  }

  /** With a draft model: the worker's speculative decoding counts so far (since its last start). */
  get speculation(): SpeculativeStats | null {
    return this.#speculation;
  }

  get health(): GeneratorHealth {
    return this.#health;
  }

  /** Requests this worker is generating or holding. */
  get load(): number {
    return this.#requests.size + this.#scorings.size;
  }

  /** While a crashed worker waits to be restarted: ms until the restart; otherwise null. */
  get restartInMs(): number | null {
    return this.#restartDueMs === null ? null : Math.max(0, this.#restartDueMs - performance.now());
  }

  /** Times the worker died and was restarted. */
  get restarts(): number {
    return this.#crashes;
  }

  /** Resolves once the worker has loaded the model; rejects if loading fails. */
  whenReady(): Promise<void> {
    if (this.#health === 'ready') return Promise.resolve();
    if (this.#health === 'failed' && this.#restartTimer === null) return Promise.reject(this.#lastError ?? new Error(`${this.#options.label}: failed`));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** Resolves once no request is in flight on this worker (at once if none is): a drain waits for it before close(). */
  whenIdle(): Promise<void> {
    if (this.load === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Scores a prompt's tokens in the worker (prompt-scoring.ts); fails at once, like a request, if the worker dies. */
  score(requestId: number, tokens: number[], topLogprobs: number): Promise<PromptIdScores> {
    if (this.#health === 'failed') return Promise.reject(new WorkerCrashedError(`${this.#options.label}: the inference worker is restarting after a crash; retry the request`));
    return new Promise((resolve, reject) => {
      this.#scorings.set(requestId, { resolve, reject });
      this.#send({ type: 'score', requestId, tokens, topLogprobs });
    });
  }

  submit(requestId: number, request: GenerationRequest): EventQueue<StepEvent> {
    const queue = new EventQueue<StepEvent>();
    if (this.#health === 'failed') {
      queue.end(new WorkerCrashedError(`${this.#options.label}: the inference worker is restarting after a crash; retry the request`));
      return queue;
    }
    this.#requests.set(requestId, queue);
    this.#send({ type: 'submit', requestId, request });
    return queue;
  }

  /** The worker drops the request, and its events end here at once: a generator waiting for the next one returns. */
  cancel(requestId: number): void {
    const queue = this.#requests.get(requestId);
    if (queue === undefined) return;
    this.#requests.delete(requestId);
    queue.end();
    this.#send({ type: 'cancel', requestId });
    this.#wakeIfIdle();
  }

  /** Makes the worker throw an uncaught error, to exercise crash recovery. */
  crashForTesting(): void {
    this.#send({ type: 'crash' });
  }

  /** Stops the worker between ONNX Runtime calls; its requests end with an error. Calling it again waits for the same stop. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#setHealth('failed');
    const stopping = new WorkerCrashedError(`${this.#options.label}: the deployment is stopping`);
    // No restart is coming any more: a later whenReady() rejects at once (a model that failed to load keeps its error).
    if (this.#restartTimer) {
      clearTimeout(this.#restartTimer);
      this.#lastError = stopping;
    }
    this.#restartTimer = null;
    this.#restartDueMs = null;
    this.#failRequests(stopping);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(stopping);
    if ((await stopWorker(this.#worker)) === 'terminated') {
      this.#options.log(`${this.#options.label}: the inference worker did not stop within ${STOP_GRACE_MS / 1000} s, so it was terminated`);
    }
  }

  #start(): Worker {
    const worker = startTypeScriptWorker(WORKER_URL, this.#options.workerData);
    worker.on('message', (message: FromWorkerMessage) => this.#onMessage(message));
    worker.on('error', (error) => {
      this.#lastError = error;
    });
    worker.on('exit', (code) => this.#onExit(code));
    return worker;
  }

  #onMessage(message: FromWorkerMessage): void {
    if (message.type === 'ready') {
      this.#setHealth('ready');
      this.#crashesSinceReady = 0;
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    } else if (message.type === 'load-failed') {
      this.#lastError = new Error(`${this.#options.label}: could not load the model: ${message.message}`);
      // Whoever waits for readiness reports the failure; a reload after a crash has no one waiting, so it is logged.
      if (this.#readyWaiters.length === 0) this.#options.log(this.#lastError.message);
      this.#closing = true;
      this.#setHealth('failed');
      this.#failRequests(this.#lastError);
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(this.#lastError);
      // The worker exits by itself after reporting a failed load.
    } else if (message.type === 'speculation') {
      this.#speculation = message.stats;
    } else if (message.type === 'scored') {
      const waiter = this.#scorings.get(message.requestId);
      if (!waiter) return;
      this.#scorings.delete(message.requestId);
      if ('scores' in message) waiter.resolve(message.scores);
      else waiter.reject(new Error(`${this.#options.label}: ${message.error}`));
      this.#wakeIfIdle();
    } else {
      for (const event of message.events) this.#route(event);
    }
  }

  #route(event: StepEvent): void {
    const queue = this.#requests.get(event.requestId);
    if (!queue) return;
    if (event.type === 'error') {
      this.#requests.delete(event.requestId);
      queue.end(new Error(`${this.#options.label}: ${event.message}`));
      this.#wakeIfIdle();
      return;
    }
    queue.push(event);
    if (event.type === 'finish') {
      this.#requests.delete(event.requestId);
      queue.end();
      this.#wakeIfIdle();
    }
  }

  #setHealth(health: GeneratorHealth): void {
    if (this.#health === health) return;
    this.#health = health;
    this.#options.onHealthChanged?.();
  }

  #wakeIfIdle(): void {
    if (this.load === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #onExit(code: number): void {
    if (this.#closing) return;
    const reason = this.#lastError?.message ?? `exit code ${code}`;
    this.#setHealth('failed');
    this.#failRequests(new WorkerCrashedError(`${this.#options.label}: the inference worker crashed (${reason}); it is restarting, retry the request`));
    const delayMs = RESTART_DELAYS_MS[Math.min(this.#crashesSinceReady, RESTART_DELAYS_MS.length - 1)]!;
    this.#crashes += 1;
    this.#crashesSinceReady += 1;
    this.#options.log(`${this.#options.label}: inference worker crashed (${reason}); restarting in ${delayMs} ms`);
    this.#lastError = null;
    this.#restartDueMs = performance.now() + delayMs;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#restartDueMs = null;
      this.#setHealth('loading');
      this.#worker = this.#start();
    }, delayMs);
  }

  #failRequests(error: Error): void {
    for (const queue of this.#requests.values()) queue.end(error);
    this.#requests.clear();
    for (const waiter of this.#scorings.values()) waiter.reject(error);
    this.#scorings.clear();
    this.#wakeIfIdle();
  }

  #send(message: ToWorkerMessage): void {
    if (this.#health !== 'failed') this.#worker.postMessage(message);
  }
}

/** Asks the worker to stop once idle and waits for its exit; terminates it only if it has not exited in time. */
async function stopWorker(worker: Worker): Promise<'stopped' | 'terminated'> {
  if (worker.threadId === -1) return 'stopped'; // already gone
  const exited = new Promise<'stopped'>((resolve) => worker.once('exit', () => resolve('stopped')));
  worker.postMessage({ type: 'stop' } satisfies ToWorkerMessage);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'stopped') return outcome;
  await worker.terminate();
  return 'terminated';
}

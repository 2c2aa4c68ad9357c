// Messages between the inference runtime (main thread) and an inference worker thread, and what a worker is
// started with. Structured-cloned, so plain data only (a GenerationRequest's logitBias Map clones fine).
import type { ModelConfig } from '../ml/model-config.ts';
import type { ComputeDevice } from '../../app/protocol/compute-devices.ts';
import type { GenerationRequest } from './text-generator.ts';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import type { SampledToken } from './sequence-sampler.ts';
import type { DraftWorkerData } from './speculative-draft.ts';
import type { SpeculativeStats } from './speculative-step.ts';
import type { PromptIdScores } from './prompt-scoring.ts';

export interface InferenceWorkerData {
  /** The model folder: its safetensors build the step decoder (decoder-pair.ts). */
  modelFolder: string;
  precision: DecoderPrecision;
  /** The exported decoder file for `precision`, which prefills. */
  decoderPath: string;
  config: ModelConfig;
  /** Generating this id ends a request with finish "stop"; null when the model has no end-of-text token. */
  eosTokenId: number | null;
  /** Ids sampled are below this: the tokenizer's vocabulary, which a padded embedding may exceed (decode-loop.ts). */
  sampledVocabSize: number;
  /** Rows decoded together at most; requests beyond wait for a free row. */
  maxBatchSize: number;
  intraOpThreads: number;
  device: ComputeDevice;
  /** A draft model to speculate with (speculative-step.ts); none when absent. */
  draft?: DraftWorkerData;
}

/** One decode step's news about a request. */
export type StepEvent =
  | ({ type: 'token'; requestId: number } & SampledToken)
  | { type: 'finish'; requestId: number; reason: 'stop' | 'length' }
  | { type: 'error'; requestId: number; message: string };

export type ToWorkerMessage =
  | { type: 'submit'; requestId: number; request: GenerationRequest }
  | { type: 'cancel'; requestId: number }
  /** Scores a prompt's tokens (prompt-scoring.ts); answered by one `scored` message. */
  | { type: 'score'; requestId: number; tokens: number[]; topLogprobs: number }
  /** Throws an uncaught error in the worker, so tests can check crash recovery. */
  | { type: 'crash' }
  /**
   * Ends the worker once no ONNX Runtime call is in flight: after the load (or the decode step) under way, the
   * sessions are released and the thread exits. Terminating a worker inside an ORT call can abort the whole process.
   */
  | { type: 'stop' };

export type FromWorkerMessage =
  | { type: 'ready' }
  | { type: 'events'; events: StepEvent[] }
  | { type: 'load-failed'; message: string }
  /** A speculating worker's counts so far (speculative-step.ts), at most every 250 ms. */
  | { type: 'speculation'; stats: SpeculativeStats }
  | ({ type: 'scored'; requestId: number } & ({ scores: PromptIdScores } | { error: string }));

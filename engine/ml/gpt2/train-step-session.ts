// Runs the GPT-2 training-step graph in an ORT session and carries the state between steps:
// parameters, Adam moments, the step count and the dropout-mask generator, all derived from one seed.

import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import type { Gpt2Config } from './config.ts';
import { gpt2DropoutSites, sampleDropoutMasks } from './dropout-masks.ts';
import { FlatStepState } from './flat-step-state.ts';
import { initGpt2Parameters, type ParameterSet } from './parameters.ts';
import { buildGpt2TrainStep, trainStepNames, type TrainStepOptions } from './train-step.ts';
import { distillationNames } from './training-loss.ts';

export interface TrainStepSessionOptions extends TrainStepOptions {
  seed: number;
  intraOpThreads?: number;
  /** Where the step runs, already resolved (engine/ml/train/device.ts); the CPU by default. */
  device?: ComputeDevice;
  /** Start from these weights (a student initialised from its teacher) instead of the seeded init. */
  initialParameters?: ParameterSet;
}

export interface TrainBatch {
  /** int64 (B, T). */
  tokens: HostTensor;
  /** int64 (B, T). */
  targets: HostTensor;
  /** (B*T, V) log_softmax(teacher logits / T); required by steps built with `distillation`. */
  teacherLogProbs?: HostTensor;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** The two terms of a distillation step's loss, each averaged like `loss`. */
  distillation?: DistillationParts;
}

export interface DistillationParts {
  kdLoss: number;
  ceLoss: number;
}

/** Feeds for a batch: its tokens and targets, and the teacher's log-probabilities when the step distils. */
export function batchFeeds(batch: TrainBatch, distills: boolean): Record<string, HostTensor> {
  if (!distills) return { tokens: batch.tokens, targets: batch.targets };
  if (batch.teacherLogProbs === undefined) throw new Error('distillation step: the batch carries no teacher log-probabilities');
  return { tokens: batch.tokens, targets: batch.targets, [distillationNames.teacherLogProbs]: batch.teacherLogProbs };
}

/** The KD and CE outputs of a distillation step, or undefined for a plain step. */
export function distillationPartsOf(results: Record<string, HostTensor>, distills: boolean): DistillationParts | undefined {
  if (!distills) return undefined;
  const scalar = (name: string) => {
    const tensor = results[name];
    if (tensor === undefined) throw new Error(`distillation step: output "${name}" is missing`);
    return numbersOf(tensor)[0] as number;
  };
  return { kdLoss: scalar(distillationNames.kdLoss), ceLoss: scalar(distillationNames.ceLoss) };
}

/** Outputs a step fetches besides the state: the loss, and its KD and CE parts when it distils. */
export function lossFetches(distills: boolean): string[] {
  return distills ? [trainStepNames.loss, distillationNames.kdLoss, distillationNames.ceLoss] : [trainStepNames.loss];
}

/** What a checkpoint holds to continue a session exactly: tensors by feed name, the step count, the dropout generator. */
export interface TrainStepSessionState {
  /** Parameters and Adam moments, keyed by their step-graph input names. */
  tensors: ReadonlyMap<string, HostTensor>;
  stepCount: number;
  dropoutRandomState: number;
}

/** Seeds for weights and dropout differ so changing dropout never changes the initial weights. */
const DROPOUT_SEED_OFFSET = 0x5eed;

export class Gpt2TrainStepSession {
  private stepsTaken = 0;

  private constructor(
    private readonly config: Gpt2Config,
    private readonly options: TrainStepSessionOptions,
    private readonly session: ModelSession,
    private readonly state: FlatStepState,
    private dropoutRandom: Random,
  ) {}

  static async create(config: Gpt2Config, options: TrainStepSessionOptions): Promise<Gpt2TrainStepSession> {
    const { graph, layout } = buildGpt2TrainStep(config, options);
    const session = await createModelSession(graph.toBytes(), { intraOpThreads: options.intraOpThreads ?? 1, device: options.device });
    const state = FlatStepState.fromParameters(layout, options.initialParameters ?? initGpt2Parameters(config, options.seed, options.dtype), options.dtype);
    return new Gpt2TrainStepSession(config, options, session, state, createRandom(options.seed + DROPOUT_SEED_OFFSET));
  }

  get stepCount(): number {
    return this.stepsTaken;
  }

  /** A copy of the current parameters by Hugging Face name. */
  get parameters(): ParameterSet {
    return this.state.parameters();
  }

  async step(batch: TrainBatch, learningRate: number): Promise<StepResult> {
    const t = this.stepsTaken + 1;
    const sites = gpt2DropoutSites(this.config, this.options.batch, this.options.time);
    const feeds: Record<string, HostTensor> = {
      ...this.state.feeds(),
      ...sampleDropoutMasks(sites, this.config.dropout, this.dropoutRandom),
      ...batchFeeds(batch, this.distills),
      [trainStepNames.learningRate]: hostTensor(this.options.dtype, [], [learningRate]),
      [trainStepNames.step]: hostTensor(this.options.dtype, [], [t]),
    };
    const results = await this.session.runInto(feeds, this.state.outputs(), [...lossFetches(this.distills), trainStepNames.gradNorm]);
    this.state.advance();
    this.stepsTaken = t;
    return {
      loss: numbersOf(results[trainStepNames.loss] as HostTensor)[0] as number,
      gradNorm: numbersOf(results[trainStepNames.gradNorm] as HostTensor)[0] as number,
      distillation: distillationPartsOf(results, this.distills),
    };
  }

  private get distills(): boolean {
    return this.options.distillation !== undefined;
  }

  exportState(): TrainStepSessionState {
    return { tensors: this.state.tensors(), stepCount: this.stepsTaken, dropoutRandomState: this.dropoutRandom.snapshot() };
  }

  /** Continues from an exported state; every tensor must be present with the shape this session trains. */
  restoreState(saved: TrainStepSessionState): void {
    this.state.restore(saved.tensors);
    this.stepsTaken = saved.stepCount;
    this.dropoutRandom = createRandom(saved.dropoutRandomState);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

// Runs the training step (step-graphs.ts) in ORT sessions and carries the state between steps: the flat parameters and
// Adam moments, the frozen parameters, the step count and the dropout-mask generator, all derived from one seed.

import type { ComputeDevice } from '../../../../app/protocol/compute-devices.ts';
import type { Graph } from '../../graph/graph.ts';
import { createModelSession, type ModelSession } from '../../runtime/session.ts';
import type { SessionOptions } from '../../runtime/session-options.ts';
import { hostTensor, numbersOf, type HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom, type Random } from '../../tensor/random.ts';
import { FlatStepState } from './flat-step-state.ts';
import { GradientSums } from './gradient-sums.ts';
import type { FloatDType, ModelFamily, ParameterSpec } from './model-family.ts';
import { updatesStateInPlace } from './in-place-writes.ts';
import { buildStepGraphs, type StepGraphOptions } from './step-graphs.ts';
import { trainStepNames } from './step-names.ts';
import { batchFeeds, type TrainBatch } from './train-batch.ts';
import { distillationNames } from './training-loss.ts';

export interface TrainStepSessionOptions extends StepGraphOptions {
  seed: number;
  intraOpThreads?: number;
  /** Where the step runs, already resolved (engine/ml/runtime/device.ts); the CPU by default. */
  device?: ComputeDevice;
  /**
   * Every parameter's first value (a student initialised from its teacher, the base weights under adapters) instead
   * of the family's seeded init. Frozen parameters keep these values for the whole run.
   */
  initialParameters?: ReadonlyMap<string, HostTensor>;
  /** ORT's intermediate memory (runtime/session-options.ts); the trainer takes its memory plan's. Default 'arena'. */
  memory?: SessionOptions['memory'];
}

export interface StepResult {
  /** The mean loss over the step's micro-batches. */
  loss: number;
  /** The global norm of the averaged gradient, before clipping. */
  gradNorm: number;
  /** The two terms of a distillation step's loss, each averaged like `loss`. */
  distillation?: DistillationParts;
}

export interface DistillationParts {
  kdLoss: number;
  ceLoss: number;
}

/** What a checkpoint holds to continue a session exactly: tensors by name, the step count, the dropout generator. */
export interface TrainStepSessionState {
  /** Trained parameters and their Adam moments, named per parameter (step-names.ts); frozen ones are not state. */
  tensors: ReadonlyMap<string, HostTensor>;
  stepCount: number;
  dropoutRandomState: number;
}

/** Seeds for weights and dropout differ so changing dropout never changes the initial weights. */
const DROPOUT_SEED_OFFSET = 0x5eed;

type Runner = { kind: 'fused'; step: ModelSession } | { kind: 'accumulating'; microStep: ModelSession; apply: ModelSession; sums: GradientSums };

type Losses = Omit<StepResult, 'gradNorm'>;

export class TrainStepSession {
  private stepsTaken = 0;

  private constructor(
    private readonly family: ModelFamily,
    private readonly options: TrainStepSessionOptions,
    private readonly runner: Runner,
    private readonly state: FlatStepState,
    private readonly frozen: Readonly<Record<string, HostTensor>>,
    private dropoutRandom: Random,
  ) {}

  static async create(family: ModelFamily, options: TrainStepSessionOptions): Promise<TrainStepSession> {
    const graphs = buildStepGraphs(family, options);
    const initial = options.initialParameters ?? family.initParameters(options.seed, options.dtype);
    const state = FlatStepState.fromParameters(graphs.layout, initial, options.dtype, { inPlace: updatesStateInPlace(graphs) });
    const frozen = frozenFeeds(family.name, graphs.frozen, initial, options.dtype);
    const open = (graph: Graph) => createModelSession(graph.toBytes(), { intraOpThreads: options.intraOpThreads ?? 1, device: options.device, memory: options.memory ?? 'arena' });
    let runner: Runner;
    if (graphs.kind === 'fused') {
      runner = { kind: 'fused', step: await open(graphs.step) };
    } else {
      const microStep = await open(graphs.microStep);
      const apply = await open(graphs.apply).catch(async (error: unknown) => {
        await microStep.release();
        throw error;
      });
      runner = { kind: 'accumulating', microStep, apply, sums: new GradientSums(graphs.layout, options.dtype) };
    }
    // The session keeps its options but not the first weights: trained ones now live in the flat state and frozen ones
    // in `frozen`, so holding the map would keep a whole extra copy of a fully trained model alive.
    const { initialParameters: _initial, ...kept } = options;
    return new TrainStepSession(family, kept, runner, state, frozen, createRandom(options.seed + DROPOUT_SEED_OFFSET));
  }

  get stepCount(): number {
    return this.stepsTaken;
  }

  /** Every parameter by name in the family's order: copies of the trained ones, the frozen ones as given. */
  get parameters(): Map<string, HostTensor> {
    const trained = this.state.parameters();
    return new Map(this.family.parameters.map((spec) => [spec.name, (trained.get(spec.name) ?? this.frozen[spec.name]) as HostTensor]));
  }

  /**
   * Every parameter by name without copying: the trained ones as views into the current flat state, valid only until
   * the next step (the trainer's evaluation reads them so a 124M model is not copied at every evaluation).
   */
  get parameterViews(): Map<string, HostTensor> {
    const trained = this.state.parameterFeeds();
    return new Map(this.family.parameters.map((spec) => [spec.name, (trained[spec.name] ?? this.frozen[spec.name]) as HostTensor]));
  }

  /** One optimizer step over exactly `microBatches` micro-batches (the session's option). */
  async step(microBatches: readonly TrainBatch[], learningRate: number): Promise<StepResult> {
    if (microBatches.length !== this.options.microBatches) {
      throw new Error(`train step: got ${microBatches.length} micro-batches, the session was built for ${this.options.microBatches}`);
    }
    const t = this.stepsTaken + 1;
    const scalars = {
      [trainStepNames.learningRate]: hostTensor(this.options.dtype, [], [learningRate]),
      [trainStepNames.step]: hostTensor(this.options.dtype, [], [t]),
    };
    const result = this.runner.kind === 'fused' ? await this.fusedStep(this.runner, microBatches[0] as TrainBatch, scalars) : await this.accumulatingStep(this.runner, microBatches, scalars);
    this.state.advance();
    this.stepsTaken = t;
    return result;
  }

  private async fusedStep(runner: Extract<Runner, { kind: 'fused' }>, batch: TrainBatch, scalars: Record<string, HostTensor>): Promise<StepResult> {
    const feeds = { ...this.state.flatFeeds(), ...this.state.parameterFeeds(), ...this.frozen, ...this.microBatchFeeds(batch), ...scalars };
    const results = await runner.step.runInto(feeds, this.state.outputs(), [...this.lossFetches(), trainStepNames.gradNorm]);
    return { ...this.lossesOf(results), gradNorm: scalarOf(results, trainStepNames.gradNorm) };
  }

  /** Micro-steps add each micro-batch's gradients into the sums; the apply graph then updates the state once. */
  private async accumulatingStep(runner: Extract<Runner, { kind: 'accumulating' }>, batches: readonly TrainBatch[], scalars: Record<string, HostTensor>): Promise<StepResult> {
    const parameters = { ...this.state.parameterFeeds(), ...this.frozen };
    const losses: Losses[] = [];
    runner.sums.reset();
    for (const batch of batches) {
      const results = await runner.microStep.runInto({ ...parameters, ...this.microBatchFeeds(batch), ...runner.sums.feeds() }, runner.sums.outputs(), this.lossFetches());
      losses.push(this.lossesOf(results));
      runner.sums.advance();
    }
    const results = await runner.apply.runInto({ ...this.state.flatFeeds(), ...runner.sums.feeds(), ...scalars }, this.state.outputs(), [trainStepNames.gradNorm]);
    return { ...meanOf(losses), gradNorm: scalarOf(results, trainStepNames.gradNorm) };
  }

  /** The batch and a fresh draw of dropout masks. */
  private microBatchFeeds(batch: TrainBatch): Record<string, HostTensor> {
    return { ...this.family.sampleDropoutMasks(this.options.batch, this.options.time, this.dropoutRandom), ...batchFeeds(batch, { distills: this.distills, weighted: this.options.lossWeights === true, divided: this.options.lossWeights === true }) };
  }

  private get distills(): boolean {
    return this.options.distillation !== undefined;
  }

  private lossFetches(): string[] {
    return this.distills ? [trainStepNames.loss, distillationNames.kdLoss, distillationNames.ceLoss] : [trainStepNames.loss];
  }

  private lossesOf(results: Record<string, HostTensor>): Losses {
    const loss = scalarOf(results, trainStepNames.loss);
    if (!this.distills) return { loss };
    return { loss, distillation: { kdLoss: scalarOf(results, distillationNames.kdLoss), ceLoss: scalarOf(results, distillationNames.ceLoss) } };
  }

  exportState(): TrainStepSessionState {
    return { tensors: this.state.tensors(), stepCount: this.stepsTaken, dropoutRandomState: this.dropoutRandom.snapshot() };
  }

  /**
   * `exportState()` without copying the tensors: views into the current state, valid only until the next step (the
   * trainer writes a checkpoint from them at once; a copy would add three model-sized buffers in a full fine-tune).
   */
  exportStateViews(): TrainStepSessionState {
    return { tensors: this.state.tensorViews(), stepCount: this.stepsTaken, dropoutRandomState: this.dropoutRandom.snapshot() };
  }

  /** Continues from an exported state; every trained tensor must be present with the shape this session trains. */
  restoreState(saved: TrainStepSessionState): void {
    this.state.restore(saved.tensors);
    this.stepsTaken = saved.stepCount;
    this.dropoutRandom = createRandom(saved.dropoutRandomState);
  }

  async release(): Promise<void> {
    if (this.runner.kind === 'fused') await this.runner.step.release();
    else await Promise.all([this.runner.microStep.release(), this.runner.apply.release()]);
  }
}

function frozenFeeds(familyName: string, specs: readonly ParameterSpec[], initial: ReadonlyMap<string, HostTensor>, dtype: FloatDType): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const spec of specs) {
    const tensor = initial.get(spec.name);
    if (tensor === undefined || tensor.dtype !== dtype || tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new Error(`${familyName} train step: frozen parameter "${spec.name}" is missing from the initial parameters or is not ${dtype} [${spec.shape.join(',')}]`);
    }
    feeds[spec.name] = tensor;
  }
  return feeds;
}

function scalarOf(results: Record<string, HostTensor>, name: string): number {
  const tensor = results[name];
  if (tensor === undefined) throw new Error(`train step: output "${name}" is missing`);
  return numbersOf(tensor)[0] as number;
}

/** The mean of each loss over the micro-batches. */
function meanOf(losses: readonly Losses[]): Losses {
  const mean = (pick: (losses: Losses) => number) => losses.reduce((total, entry) => total + pick(entry), 0) / losses.length;
  const loss = mean((entry) => entry.loss);
  if (losses[0]?.distillation === undefined) return { loss };
  return { loss, distillation: { kdLoss: mean((entry) => entry.distillation?.kdLoss ?? 0), ceLoss: mean((entry) => entry.distillation?.ceLoss ?? 0) } };
}

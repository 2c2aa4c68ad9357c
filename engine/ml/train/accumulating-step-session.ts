// Runs gradient-accumulating optimizer steps: the micro-step graph once per micro-batch (gradients summed in the
// graph), then the apply graph once. Carries the same state as Gpt2TrainStepSession, so checkpoints look alike.

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2DropoutSites, sampleDropoutMasks } from '../gpt2/dropout-masks.ts';
import { initGpt2Parameters, type ParameterSet } from '../gpt2/parameters.ts';
import { batchFeeds, distillationPartsOf, lossFetches, type DistillationParts, type StepResult, type TrainBatch, type TrainStepSessionOptions, type TrainStepSessionState } from '../gpt2/train-step-session.ts';
import { trainStepNames } from '../gpt2/train-step.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import { buildApplyGraph, buildMicroStepGraph, gradientSumName } from './accumulation-graphs.ts';

/** Dropout draws from its own generator so changing dropout never changes the initial weights. */
const DROPOUT_SEED_OFFSET = 0xd40f;

export class AccumulatingStepSession {
  private stepsTaken = 0;

  private constructor(
    private readonly config: Gpt2Config,
    private readonly options: TrainStepSessionOptions & { microBatches: number },
    private readonly microSession: ModelSession,
    private readonly applySession: ModelSession,
    private readonly state: Map<string, HostTensor>,
    private readonly zeroSums: Record<string, HostTensor>,
    private readonly parameterNames: readonly string[],
    private dropoutRandom: Random,
  ) {}

  static async create(config: Gpt2Config, options: TrainStepSessionOptions & { microBatches: number }): Promise<AccumulatingStepSession> {
    const sessionOptions = { intraOpThreads: options.intraOpThreads ?? 1, device: options.device };
    const microSession = await createModelSession(buildMicroStepGraph(config, options).toBytes(), sessionOptions);
    const applySession = await createModelSession(buildApplyGraph(config, options).toBytes(), sessionOptions);
    const state = new Map<string, HostTensor>();
    const zeroSums: Record<string, HostTensor> = {};
    const parameters = options.initialParameters ?? initGpt2Parameters(config, options.seed, options.dtype);
    const zerosLike = (tensor: HostTensor): HostTensor => ({ ...tensor, data: new (tensor.data.constructor as Float32ArrayConstructor)(tensor.data.length) });
    for (const [name, tensor] of parameters) {
      state.set(name, tensor);
      state.set(trainStepNames.firstMoment(name), zerosLike(tensor));
      state.set(trainStepNames.secondMoment(name), zerosLike(tensor));
      zeroSums[gradientSumName(name)] = zerosLike(tensor);
    }
    const random = createRandom(options.seed + DROPOUT_SEED_OFFSET);
    return new AccumulatingStepSession(config, options, microSession, applySession, state, zeroSums, [...parameters.keys()], random);
  }

  get stepCount(): number {
    return this.stepsTaken;
  }

  get parameters(): ParameterSet {
    return new Map(this.parameterNames.map((name) => [name, this.state.get(name) as HostTensor]));
  }

  /** One optimizer step over exactly `microBatches` micro-batches; the loss is their mean. */
  async step(microBatches: readonly TrainBatch[], learningRate: number): Promise<StepResult> {
    if (microBatches.length !== this.options.microBatches) {
      throw new Error(`accumulating step: got ${microBatches.length} micro-batches, the session was built for ${this.options.microBatches}`);
    }
    let sums: Record<string, HostTensor> = this.zeroSums;
    let lossTotal = 0;
    const partTotals: DistillationParts = { kdLoss: 0, ceLoss: 0 };
    for (const batch of microBatches) {
      const { loss, parts, nextSums } = await this.microStep(batch, sums);
      lossTotal += loss;
      if (parts !== undefined) {
        partTotals.kdLoss += parts.kdLoss;
        partTotals.ceLoss += parts.ceLoss;
      }
      sums = nextSums;
    }
    const count = microBatches.length;
    const distillation = this.distills ? { kdLoss: partTotals.kdLoss / count, ceLoss: partTotals.ceLoss / count } : undefined;
    const t = this.stepsTaken + 1;
    const results = await this.applySession.run({
      ...Object.fromEntries(this.state),
      ...sums,
      [trainStepNames.learningRate]: hostTensor(this.options.dtype, [], [learningRate]),
      [trainStepNames.step]: hostTensor(this.options.dtype, [], [t]),
    });
    for (const name of this.state.keys()) this.state.set(name, outputOf(results, trainStepNames.updated(name)));
    this.stepsTaken = t;
    return { loss: lossTotal / count, gradNorm: numbersOf(outputOf(results, trainStepNames.gradNorm))[0] as number, distillation };
  }

  private get distills(): boolean {
    return this.options.distillation !== undefined;
  }

  private async microStep(batch: TrainBatch, sums: Record<string, HostTensor>): Promise<{ loss: number; parts: DistillationParts | undefined; nextSums: Record<string, HostTensor> }> {
    const sites = gpt2DropoutSites(this.config, this.options.batch, this.options.time);
    const feeds: Record<string, HostTensor> = {
      ...Object.fromEntries(this.parameterNames.map((name) => [name, this.state.get(name) as HostTensor])),
      ...sums,
      ...sampleDropoutMasks(sites, this.config.dropout, this.dropoutRandom),
      ...batchFeeds(batch, this.distills),
    };
    const sumNames = this.parameterNames.map((name) => trainStepNames.updated(gradientSumName(name)));
    const results = await this.microSession.run(feeds, [...lossFetches(this.distills), ...sumNames]);
    const nextSums = Object.fromEntries(this.parameterNames.map((name) => [gradientSumName(name), outputOf(results, trainStepNames.updated(gradientSumName(name)))]));
    return { loss: numbersOf(outputOf(results, trainStepNames.loss))[0] as number, parts: distillationPartsOf(results, this.distills), nextSums };
  }

  exportState(): TrainStepSessionState {
    return { tensors: new Map(this.state), stepCount: this.stepsTaken, dropoutRandomState: this.dropoutRandom.snapshot() };
  }

  restoreState(saved: TrainStepSessionState): void {
    for (const [name, current] of this.state) {
      const tensor = saved.tensors.get(name);
      if (tensor === undefined || tensor.dtype !== current.dtype || tensor.shape.join(',') !== current.shape.join(',')) {
        throw new Error(`accumulating step: the saved state's "${name}" is missing or has another dtype/shape than [${current.shape.join(',')}] ${current.dtype}`);
      }
    }
    for (const name of this.state.keys()) this.state.set(name, saved.tensors.get(name) as HostTensor);
    this.stepsTaken = saved.stepCount;
    this.dropoutRandom = createRandom(saved.dropoutRandomState);
  }

  async release(): Promise<void> {
    await Promise.all([this.microSession.release(), this.applySession.release()]);
  }
}

function outputOf(results: Record<string, HostTensor>, name: string): HostTensor {
  const tensor = results[name];
  if (tensor === undefined) throw new Error(`accumulating step: output "${name}" is missing`);
  return tensor;
}

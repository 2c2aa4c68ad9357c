// Runs the GPT-2 training-step graph in an ORT session and carries the state between steps:
// parameters, Adam moments, the step count and the dropout-mask generator, all derived from one seed.

import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import type { Gpt2Config } from './config.ts';
import { gpt2DropoutSites, sampleDropoutMasks } from './dropout-masks.ts';
import { initGpt2Parameters, type ParameterSet } from './parameters.ts';
import { buildGpt2TrainStep, trainStepNames, type TrainStepOptions } from './train-step.ts';

export interface TrainStepSessionOptions extends TrainStepOptions {
  seed: number;
  intraOpThreads?: number;
}

export interface TrainBatch {
  /** int64 (B, T). */
  tokens: HostTensor;
  /** int64 (B, T). */
  targets: HostTensor;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
}

/** Seeds for weights and dropout differ so changing dropout never changes the initial weights. */
const DROPOUT_SEED_OFFSET = 0x5eed;

export class Gpt2TrainStepSession {
  private stepsTaken = 0;

  private constructor(
    private readonly config: Gpt2Config,
    private readonly options: TrainStepSessionOptions,
    private readonly session: ModelSession,
    private readonly state: Map<string, HostTensor>,
    private readonly parameterNames: readonly string[],
    private readonly dropoutRandom: Random,
  ) {}

  static async create(config: Gpt2Config, options: TrainStepSessionOptions): Promise<Gpt2TrainStepSession> {
    const { graph, parameterNames } = buildGpt2TrainStep(config, options);
    const session = await createModelSession(graph.toBytes(), { intraOpThreads: options.intraOpThreads ?? 1 });
    const state = new Map<string, HostTensor>();
    for (const [name, tensor] of initGpt2Parameters(config, options.seed, options.dtype)) {
      const zeros = (): HostTensor => ({ ...tensor, data: new (tensor.data.constructor as Float32ArrayConstructor)(tensor.data.length) });
      state.set(name, tensor);
      state.set(trainStepNames.firstMoment(name), zeros());
      state.set(trainStepNames.secondMoment(name), zeros());
    }
    return new Gpt2TrainStepSession(config, options, session, state, parameterNames, createRandom(options.seed + DROPOUT_SEED_OFFSET));
  }

  get stepCount(): number {
    return this.stepsTaken;
  }

  /** The current parameters by Hugging Face name. */
  get parameters(): ParameterSet {
    return new Map(this.parameterNames.map((name) => [name, this.state.get(name) as HostTensor]));
  }

  async step(batch: TrainBatch, learningRate: number): Promise<StepResult> {
    const t = this.stepsTaken + 1;
    const sites = gpt2DropoutSites(this.config, this.options.batch, this.options.time);
    const feeds: Record<string, HostTensor> = {
      ...Object.fromEntries(this.state),
      ...sampleDropoutMasks(sites, this.config.dropout, this.dropoutRandom),
      tokens: batch.tokens,
      targets: batch.targets,
      [trainStepNames.learningRate]: hostTensor(this.options.dtype, [], [learningRate]),
      [trainStepNames.step]: hostTensor(this.options.dtype, [], [t]),
    };
    const results = await this.session.run(feeds);
    for (const name of this.state.keys()) {
      const updated = results[trainStepNames.updated(name)];
      if (updated === undefined) throw new Error(`gpt2 train step: output "${trainStepNames.updated(name)}" is missing`);
      this.state.set(name, updated);
    }
    this.stepsTaken = t;
    return {
      loss: numbersOf(results[trainStepNames.loss] as HostTensor)[0] as number,
      gradNorm: numbersOf(results[trainStepNames.gradNorm] as HostTensor)[0] as number,
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

// One interface over the two ways an optimizer step runs: the fused single-graph step (gradAccumSteps 1) and the
// accumulating micro-step + apply pair (gradAccumSteps > 1). The trainer only sees this.

import type { Gpt2Config } from '../gpt2/config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import { Gpt2TrainStepSession, type StepResult, type TrainBatch, type TrainStepSessionOptions, type TrainStepSessionState } from '../gpt2/train-step-session.ts';
import { AccumulatingStepSession } from './accumulating-step-session.ts';

export interface StepRunner {
  readonly stepCount: number;
  readonly parameters: ParameterSet;
  /** One optimizer step over `gradAccumSteps` micro-batches. */
  step(microBatches: readonly TrainBatch[], learningRate: number): Promise<StepResult>;
  exportState(): TrainStepSessionState;
  restoreState(state: TrainStepSessionState): void;
  release(): Promise<void>;
}

export async function createStepRunner(config: Gpt2Config, options: TrainStepSessionOptions & { gradAccumSteps: number }): Promise<StepRunner> {
  if (options.gradAccumSteps > 1) return AccumulatingStepSession.create(config, { ...options, microBatches: options.gradAccumSteps });
  const session = await Gpt2TrainStepSession.create(config, options);
  return {
    get stepCount() {
      return session.stepCount;
    },
    get parameters() {
      return session.parameters;
    },
    step: (microBatches, learningRate) => {
      const [batch] = microBatches;
      if (batch === undefined || microBatches.length !== 1) throw new Error(`fused step: expects 1 micro-batch, got ${microBatches.length}`);
      return session.step(batch, learningRate);
    },
    exportState: () => session.exportState(),
    restoreState: (state) => session.restoreState(state),
    release: () => session.release(),
  };
}

// Test support: a LoRA family's adapter gradients from the fused step graph (float64, learning rate 0) against central
// finite differences of the step's own loss, over every element of every adapter.

import { createModelSession } from '../../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import type { ModelConfig } from '../../model-config.ts';
import { FlatStepState } from '../../train/step/flat-step-state.ts';
import type { ModelFamily } from '../../train/step/model-family.ts';
import { buildStepGraphs, type StepGraphOptions } from '../../train/step/step-graphs.ts';
import { trainStepNames } from '../../train/step/step-names.ts';
import { batchFeeds, type TrainBatch } from '../../train/step/train-batch.ts';
import { loraFamily } from '../lora-family.ts';
import { loraAdapterNames, type LoraOptions } from '../lora-parameters.ts';
import { randomBatch, spreadParameters } from './lora-support.ts';

export const [ROWS, TIME] = [2, 4];
export const stepOptions: StepGraphOptions = { batch: ROWS, time: TIME, microBatches: 1, dtype: 'float64', optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 }, gradClip: 1 };

/** The fused step graph's loss for given parameters (learning rate 0) and its exposed gradients of the trained ones. */
async function openLossAndGradients(family: ModelFamily, trainable: readonly string[], batch: TrainBatch, masks: Record<string, HostTensor>) {
  const graphs = buildStepGraphs(family, { ...stepOptions, exposeGradients: true, trainable });
  if (graphs.kind !== 'fused') throw new Error('one micro-batch builds the fused step');
  const session = await createModelSession(graphs.step.toBytes());
  const scalars = { [trainStepNames.learningRate]: hostTensor('float64', [], [0]), [trainStepNames.step]: hostTensor('float64', [], [1]) };
  const run = async (parameters: ReadonlyMap<string, HostTensor>) => {
    const state = FlatStepState.fromParameters(graphs.layout, parameters, 'float64');
    const frozen = Object.fromEntries(graphs.frozen.map((spec) => [spec.name, parameters.get(spec.name) as HostTensor]));
    return session.run({ ...state.flatFeeds(), ...state.parameterFeeds(), ...frozen, ...batchFeeds(batch, { distills: false, weighted: false }), ...masks, ...scalars });
  };
  const loss = async (parameters: ReadonlyMap<string, HostTensor>) => numbersOf((await run(parameters))[trainStepNames.loss] as HostTensor)[0] as number;
  const gradients = async (parameters: ReadonlyMap<string, HostTensor>) => {
    const results = await run(parameters);
    return new Map(trainable.map((name) => [name, numbersOf(results[trainStepNames.gradient(name)] as HostTensor)]));
  };
  return { graphs, loss, gradients, release: () => session.release() };
}

/** max |analytic − numeric| / max(1, |numeric|) over every element of every adapter, with central differences. */
export async function largestGradientError(config: ModelConfig, options: LoraOptions, seed: number): Promise<{ error: number; checked: number }> {
  const family = loraFamily(config, options);
  const names = loraAdapterNames(config, options);
  const parameters = spreadParameters(config, options, seed, 'float64');
  const masks = family.sampleDropoutMasks(ROWS, TIME, createRandom(seed + 1));
  const step = await openLossAndGradients(family, names, randomBatch(config, ROWS, TIME, seed + 2), masks);
  try {
    const analytic = await step.gradients(parameters);
    const h = 1e-6;
    let [error, checked] = [0, 0];
    for (const name of names) {
      const data = (parameters.get(name) as HostTensor).data as Float64Array;
      for (let index = 0; index < data.length; index++) {
        const original = data[index] as number;
        data[index] = original + h;
        const plus = await step.loss(parameters);
        data[index] = original - h;
        const minus = await step.loss(parameters);
        data[index] = original;
        const numeric = (plus - minus) / (2 * h);
        error = Math.max(error, Math.abs((analytic.get(name)?.[index] as number) - numeric) / Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    return { error, checked };
  } finally {
    await step.release();
  }
}

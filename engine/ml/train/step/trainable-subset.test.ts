// Training a subset of a model's parameters, as LoRA will: frozen weights are plain inputs that stay bit for bit, hold
// no optimizer state and get no gradient; trained ones move with the full model's gradients and loss.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import { initGpt2Parameters } from '../../gpt2/parameters.ts';
import { createModelSession } from '../../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import { gpt2Family } from '../gpt2-family.ts';
import { LossEvaluator } from '../loss-evaluator.ts';
import { splitBatch } from '../memory-plan.ts';
import { FlatStepState } from './flat-step-state.ts';
import { buildStepGraphs, type StepGraphOptions } from './step-graphs.ts';
import { trainStepNames } from './step-names.ts';
import { TrainStepSession } from './step-session.ts';
import { batchFeeds, type TrainBatch } from './train-batch.ts';

const config = gpt2Config({ vocabSize: 13, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8 });
const family = gpt2Family(config);
/** A decayed matrix and two plain vectors, so both flat groups hold trained parameters. */
const TRAINED = ['transformer.h.1.attn.c_attn.weight', 'transformer.h.1.attn.c_attn.bias', 'transformer.ln_f.weight'];
const [ROWS, TIME] = [4, 8];
const options: StepGraphOptions = { batch: ROWS, time: TIME, microBatches: 1, dtype: 'float32', optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 }, gradClip: 1 };
const initial = initGpt2Parameters(config, 5);

function randomBatch(seed: number): TrainBatch {
  const random = createRandom(seed);
  const ids = () => hostTensor('int64', [ROWS, TIME], Array.from({ length: ROWS * TIME }, () => random.int(config.vocabSize)));
  return { tokens: ids(), targets: ids() };
}

/** The loss and each trained parameter's gradient from the fused step graph, for the given trainable set. */
async function lossAndGradients(trainable: readonly string[] | undefined, batch: TrainBatch) {
  const graphs = buildStepGraphs(family, { ...options, exposeGradients: true, trainable });
  if (graphs.kind !== 'fused') throw new Error('one micro-batch builds the fused step');
  const session = await createModelSession(graphs.step.toBytes());
  const state = FlatStepState.fromParameters(graphs.layout, initial, 'float32');
  const frozen = Object.fromEntries(graphs.frozen.map((spec) => [spec.name, initial.get(spec.name) as HostTensor]));
  const scalars = { [trainStepNames.learningRate]: hostTensor('float32', [], [0]), [trainStepNames.step]: hostTensor('float32', [], [1]) };
  const results = await session.run({ ...state.flatFeeds(), ...state.parameterFeeds(), ...frozen, ...batchFeeds(batch, { distills: false, weighted: false }), ...scalars });
  await session.release();
  return { graphs, inputNames: session.inputNames, outputNames: session.outputNames, loss: numbersOf(results[trainStepNames.loss] as HostTensor)[0], gradientOf: (name: string) => results[trainStepNames.gradient(name)] };
}

describe('training a subset of the parameters', () => {
  it('feeds frozen parameters as plain inputs with no gradient or Adam state, and trains the rest on the full gradients', async () => {
    const batch = randomBatch(1);
    const full = await lossAndGradients(undefined, batch);
    const subset = await lossAndGradients(TRAINED, batch);
    expect([...subset.graphs.layout.byName.keys()]).toEqual(TRAINED);
    expect(subset.graphs.layout.groups.map((group) => group.name)).toEqual(['decay', 'plain']);
    expect(subset.graphs.frozen.map((spec) => spec.name)).toEqual(family.parameters.map((spec) => spec.name).filter((name) => !TRAINED.includes(name)));
    expect(subset.inputNames).toContain('transformer.wte.weight');
    expect(subset.inputNames.filter((name) => name.startsWith('adam.'))).toEqual(['adam.m.flat.decay', 'adam.v.flat.decay', 'adam.m.flat.plain', 'adam.v.flat.plain']);
    expect(subset.outputNames.filter((name) => name.startsWith('grad.'))).toEqual(TRAINED.map(trainStepNames.gradient));
    expect(subset.loss).toBe(full.loss);
    for (const name of TRAINED) {
      const [ours, reference] = [numbersOf(subset.gradientOf(name) as HostTensor), numbersOf(full.gradientOf(name) as HostTensor)];
      expect(Math.max(...ours.map((value, index) => Math.abs(value - (reference[index] as number)))), name).toBeLessThan(1e-6);
    }
  });

  for (const microBatches of [1, 2]) {
    it(`keeps frozen weights bit for bit, moves the trained ones, and reports the full model's loss (${microBatches} micro-batches)`, async () => {
      const trainer = await TrainStepSession.create(family, { ...options, batch: ROWS / microBatches, microBatches, seed: 3, initialParameters: initial, trainable: TRAINED });
      const evaluator = await LossEvaluator.create(config, { batch: ROWS, time: TIME }, 1);
      for (const seed of [1, 2, 3]) {
        const batch = randomBatch(seed);
        const forwardLoss = await evaluator.batchLoss(trainer.parameters, batch);
        const { loss } = await trainer.step(splitBatch(batch, microBatches), 1e-2);
        expect(loss).toBeCloseTo(forwardLoss, 5);
      }
      const after = trainer.parameters;
      expect([...after.keys()]).toEqual(family.parameters.map((spec) => spec.name));
      for (const [name, tensor] of initial) {
        if (TRAINED.includes(name)) expect(after.get(name)?.data, name).not.toEqual(tensor.data);
        else expect(after.get(name)?.data, name).toEqual(tensor.data);
      }
      expect([...trainer.exportState().tensors.keys()].sort()).toEqual(TRAINED.flatMap((name) => [name, trainStepNames.firstMoment(name), trainStepNames.secondMoment(name)]).sort());
      await Promise.all([trainer.release(), evaluator.release()]);
    });
  }

  it('refuses a trainable name the model does not have, and an empty list', () => {
    expect(() => buildStepGraphs(family, { ...options, trainable: ['transformer.h.0.lora_A'] })).toThrow(/gpt2 train step: trainable parameter "transformer.h.0.lora_A" is not a parameter of the model/);
    expect(() => buildStepGraphs(family, { ...options, trainable: [] })).toThrow(/trainable lists no parameter/);
  });
});

// The loss mask (chat fine-tuning trains only assistant tokens): a weighted step's loss is the mean cross-entropy over
// the targets whose weight is 1, computed by hand here from the graph's own logits; targets at weight-0 positions
// change neither the loss nor any gradient, targets at weight-1 positions do; all-ones weights give the plain mean.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import { initGpt2Parameters } from '../../gpt2/parameters.ts';
import { createModelSession } from '../../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import { gpt2Family } from '../gpt2-family.ts';
import { LossEvaluator } from '../loss-evaluator.ts';
import { FlatStepState } from './flat-step-state.ts';
import { buildStepGraphs, type StepGraphOptions } from './step-graphs.ts';
import { trainStepNames } from './step-names.ts';
import { batchFeeds, type TrainBatch } from './train-batch.ts';

const config = gpt2Config({ vocabSize: 11, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 6 });
const family = gpt2Family(config);
const [ROWS, TIME] = [2, 6];
const options: StepGraphOptions = { batch: ROWS, time: TIME, microBatches: 1, dtype: 'float32', optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 }, gradClip: 0 };
const initial = initGpt2Parameters(config, 9);
/** Row 0: a user turn (weight 0) then an assistant turn (weight 1); row 1 the other way round. */
const MASK = [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1];

function batchOf(seed: number, weights: readonly number[] | null): TrainBatch {
  const random = createRandom(seed);
  const ids = () => hostTensor('int64', [ROWS, TIME], Array.from({ length: ROWS * TIME }, () => random.int(config.vocabSize)));
  const batch = { tokens: ids(), targets: ids() };
  return weights === null ? batch : { ...batch, lossWeights: hostTensor('float32', [ROWS, TIME], weights) };
}

/** The batch with the targets at the given positions replaced by other ids. */
function withChangedTargets(batch: TrainBatch, positions: readonly number[]): TrainBatch {
  const targets = (batch.targets.data as BigInt64Array).slice();
  for (const position of positions) targets[position] = (targets[position] as bigint + 3n) % BigInt(config.vocabSize);
  return { ...batch, targets: { ...batch.targets, data: targets } };
}

/** Loss, logits and every parameter's gradient of the fused step graph on a batch (learning rate 0). */
async function evaluate(batch: TrainBatch, weighted: boolean) {
  const graphs = buildStepGraphs(family, { ...options, exposeGradients: true, lossWeights: weighted });
  if (graphs.kind !== 'fused') throw new Error('one micro-batch builds the fused step');
  const session = await createModelSession(graphs.step.toBytes());
  const state = FlatStepState.fromParameters(graphs.layout, initial, 'float32');
  const scalars = { [trainStepNames.learningRate]: hostTensor('float32', [], [0]), [trainStepNames.step]: hostTensor('float32', [], [1]) };
  const results = await session.run({ ...state.flatFeeds(), ...state.parameterFeeds(), ...batchFeeds(batch, { distills: false, weighted, divided: weighted }), ...scalars });
  await session.release();
  const gradients = new Map(family.parameters.map((spec) => [spec.name, numbersOf(results[trainStepNames.gradient(spec.name)] as HostTensor)]));
  return { loss: numbersOf(results[trainStepNames.loss] as HostTensor)[0] as number, logits: numbersOf(results[trainStepNames.logits] as HostTensor), gradients };
}

/** -log softmax(logits)[target] at each position, in float64. */
function positionLosses(logits: readonly number[], targets: HostTensor): number[] {
  return numbersOf(targets).map((target, position) => {
    const row = logits.slice(position * config.vocabSize, (position + 1) * config.vocabSize);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((total, value) => total + Math.exp(value - max), 0)) + max;
    return logSum - (row[target] as number);
  });
}

const largestDifference = (a: ReadonlyMap<string, number[]>, b: ReadonlyMap<string, number[]>) =>
  Math.max(...[...a].flatMap(([name, values]) => values.map((value, index) => Math.abs(value - (b.get(name)?.[index] as number)))));

describe('the loss mask', () => {
  it('is the mean cross-entropy of the weight-1 targets, computed by hand from the logits', async () => {
    const batch = batchOf(1, MASK);
    const { loss, logits } = await evaluate(batch, true);
    const losses = positionLosses(logits, batch.targets);
    const expected = losses.reduce((total, value, position) => total + value * (MASK[position] as number), 0) / MASK.filter((weight) => weight === 1).length;
    expect(loss).toBeCloseTo(expected, 5);
    const unmasked = losses.reduce((total, value) => total + value, 0) / losses.length;
    expect(Math.abs(loss - unmasked)).toBeGreaterThan(1e-3);
    // A chunk of a split batch divides by its share of the whole batch's trained targets instead (trainer.ts).
    const chunk = await evaluate({ ...batch, lossDivisor: 2.5 }, true);
    expect(chunk.loss).toBeCloseTo((expected * MASK.filter((weight) => weight === 1).length) / 2.5, 5);
  });

  it('ignores the targets at weight-0 positions (user turns) and follows those at weight-1 positions (assistant turns)', async () => {
    const batch = batchOf(2, MASK);
    const base = await evaluate(batch, true);
    const userChanged = await evaluate(withChangedTargets(batch, [0, 1, 2, 8, 9, 10]), true);
    expect(userChanged.loss).toBe(base.loss);
    expect(largestDifference(userChanged.gradients, base.gradients)).toBe(0);
    const assistantChanged = await evaluate(withChangedTargets(batch, [4, 11]), true);
    expect(Math.abs(assistantChanged.loss - base.loss)).toBeGreaterThan(1e-4);
    expect(largestDifference(assistantChanged.gradients, base.gradients)).toBeGreaterThan(1e-4);
  });

  it('with every weight 1 equals the plain mean, loss and gradients; with none it is 0', async () => {
    const plain = await evaluate(batchOf(3, null), false);
    const ones = await evaluate(batchOf(3, Array.from({ length: ROWS * TIME }, () => 1)), true);
    expect(ones.loss).toBeCloseTo(plain.loss, 6);
    expect(largestDifference(ones.gradients, plain.gradients)).toBeLessThan(1e-6);
    const none = await evaluate(batchOf(3, Array.from({ length: ROWS * TIME }, () => 0)), true);
    expect(none.loss).toBe(0);
    expect(largestDifference(none.gradients, new Map([...none.gradients].map(([name, values]) => [name, values.map(() => 0)])))).toBe(0);
  });

  it('weighs evaluation the same way: the mean over every trained target of all batches', async () => {
    const evaluator = await LossEvaluator.create(config, { batch: ROWS, time: TIME }, 1, 'cpu', { weighted: true });
    const secondMask = MASK.map((weight, index) => (index < 3 ? 1 : 0));
    const batches = [batchOf(4, MASK), batchOf(5, secondMask)];
    const byHand = await Promise.all(batches.map(async (batch) => positionLosses((await evaluate(batch, true)).logits, batch.targets)));
    const weights = [MASK, secondMask];
    const numerator = byHand.reduce((total, losses, b) => total + losses.reduce((sum, value, position) => sum + value * (weights[b]?.[position] as number), 0), 0);
    const denominator = weights.flat().reduce((total, weight) => total + weight, 0);
    expect(await evaluator.meanLoss(initial, batches)).toBeCloseTo(numerator / denominator, 5);
    expect(await evaluator.batchLoss(initial, batches[0] as TrainBatch)).toBeCloseTo((await evaluate(batches[0] as TrainBatch, true)).loss, 5);
    await evaluator.release();
  });

  it('refuses a weighted batch without weights, and a mask combined with distillation', () => {
    expect(() => batchFeeds(batchOf(6, null), { distills: false, weighted: true })).toThrow(/carries no loss weights/);
    expect(() => buildStepGraphs(family, { ...options, lossWeights: true, distillation: { temperature: 2, alpha: 0.5 } })).toThrow(/loss mask and distillation cannot be combined/);
  });
});

// The two graphs of a gradient-accumulating step: a micro-step graph (forward + backward, adding this micro-batch's
// gradients to running sums fed in and out) and an apply graph (average the sums, clip, AdamW).

import { backward } from '../autodiff/backward.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import { addGpt2Inputs, buildGpt2Forward } from '../gpt2/forward.ts';
import { gpt2ParameterSpecs } from '../gpt2/parameters.ts';
import { trainStepNames, type TrainStepOptions } from '../gpt2/train-step.ts';
import { trainingLoss } from '../gpt2/training-loss.ts';
import { adamWStepScalars, adamWUpdate } from '../optim/adamw.ts';
import { clipByGlobalNorm } from '../optim/clip-grad-norm.ts';

/** Name of the running gradient sum of a parameter (an input of both graphs, an output of the micro-step graph). */
export const gradientSumName = (parameter: string): string => `grad.sum.${parameter}`;

/** Loss and summed gradients: new.grad.sum.<p> = grad.sum.<p> + d(mean loss of this micro-batch)/dp. */
export function buildMicroStepGraph(config: Gpt2Config, options: Pick<TrainStepOptions, 'batch' | 'time' | 'dtype' | 'distillation'>): Graph {
  const graph = new Graph({ name: 'gpt2-micro-step' });
  const inputs = addGpt2Inputs(graph, config, { batch: options.batch, time: options.time, dtype: options.dtype, withTargets: true, training: true });
  const { loss, parts } = trainingLoss(graph, buildGpt2Forward(config, inputs), options.distillation);
  const specs = gpt2ParameterSpecs(config);
  const gradients = backward(graph, loss, specs.map((spec) => inputs.parameters.get(spec.name) as Value));
  specs.forEach((spec, index) => {
    const runningSum = graph.input(gradientSumName(spec.name), options.dtype, spec.shape);
    graph.output(op.add(runningSum, gradients[index] as Value), trainStepNames.updated(gradientSumName(spec.name)));
  });
  graph.output(loss, trainStepNames.loss);
  for (const [name, part] of parts) graph.output(part, name);
  return graph;
}

/**
 * Divides the sums by the micro-batch count, so the update equals one step on all micro-batches joined into one
 * batch (the mean loss over every row), then clips by global norm and applies AdamW as the fused step graph does.
 */
export function buildApplyGraph(config: Gpt2Config, options: TrainStepOptions & { microBatches: number }): Graph {
  const graph = new Graph({ name: 'gpt2-apply-step' });
  const specs = gpt2ParameterSpecs(config);
  const scalar = (name: string) => graph.input(name, options.dtype, []);
  const scalars = adamWStepScalars(scalar(trainStepNames.learningRate), scalar(trainStepNames.step), options.optimizer);
  const parameters = specs.map((spec) => graph.input(spec.name, options.dtype, spec.shape));
  const averaged = specs.map((spec) => {
    const runningSum = graph.input(gradientSumName(spec.name), options.dtype, spec.shape);
    return options.microBatches === 1 ? runningSum : op.mul(runningSum, op.scalarLike(runningSum, 1 / options.microBatches));
  });
  const clipped = clipByGlobalNorm(averaged, options.gradClip);
  specs.forEach((spec, index) => {
    const firstMomentName = trainStepNames.firstMoment(spec.name);
    const secondMomentName = trainStepNames.secondMoment(spec.name);
    const state = {
      parameter: parameters[index] as Value,
      firstMoment: graph.input(firstMomentName, options.dtype, spec.shape),
      secondMoment: graph.input(secondMomentName, options.dtype, spec.shape),
    };
    const next = adamWUpdate(state, clipped.gradients[index] as Value, spec.decays, scalars);
    graph.output(next.parameter, trainStepNames.updated(spec.name));
    graph.output(next.firstMoment, trainStepNames.updated(firstMomentName));
    graph.output(next.secondMoment, trainStepNames.updated(secondMomentName));
  });
  graph.output(clipped.totalNorm, trainStepNames.gradNorm);
  return graph;
}

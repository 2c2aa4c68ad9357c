// One GPT-2 training step as a single ONNX graph: forward, backward, global-norm clipping and AdamW.
// Parameters and Adam moments go in as inputs and come back updated as outputs named "new.<input name>".

import { backward } from '../autodiff/backward.ts';
import { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import { adamWStepScalars, adamWUpdate, type AdamWHyperparameters } from '../optim/adamw.ts';
import { clipByGlobalNorm } from '../optim/clip-grad-norm.ts';
import type { Gpt2Config } from './config.ts';
import { addGpt2Inputs, buildGpt2Forward } from './forward.ts';
import { gpt2ParameterSpecs } from './parameters.ts';

export interface TrainStepOptions {
  batch: number;
  /** T, at most blockSize. */
  time: number;
  dtype: 'float32' | 'float64';
  optimizer: AdamWHyperparameters;
  /** Max global gradient norm; 0 or Infinity turns clipping off. */
  gradClip: number;
}

/** Input and output names of the step graph, so callers never spell them by hand. */
export const trainStepNames = {
  learningRate: 'lr',
  /** AdamW's t, counting from 1, fed as a float scalar. */
  step: 'step',
  firstMoment: (parameter: string) => `adam.m.${parameter}`,
  secondMoment: (parameter: string) => `adam.v.${parameter}`,
  updated: (input: string) => `new.${input}`,
  loss: 'loss',
  gradNorm: 'gradNorm',
} as const;

export interface TrainStepGraph {
  graph: Graph;
  /** Parameter names in spec order. */
  parameterNames: string[];
  dropoutSiteNames: string[];
}

export function buildGpt2TrainStep(config: Gpt2Config, options: TrainStepOptions): TrainStepGraph {
  const graph = new Graph({ name: 'gpt2-train-step' });
  const inputs = addGpt2Inputs(graph, config, { batch: options.batch, time: options.time, dtype: options.dtype, withTargets: true, training: true });
  const { loss } = buildGpt2Forward(config, inputs);
  if (loss === null) throw new Error('gpt2 train step: the forward pass built no loss');
  const specs = gpt2ParameterSpecs(config);
  const parameters = specs.map((spec) => inputs.parameters.get(spec.name) as Value);
  const clipped = clipByGlobalNorm(backward(graph, loss, parameters), options.gradClip);

  const scalar = (name: string) => graph.input(name, options.dtype, []);
  const scalars = adamWStepScalars(scalar(trainStepNames.learningRate), scalar(trainStepNames.step), options.optimizer);
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
  graph.output(loss, trainStepNames.loss);
  graph.output(clipped.totalNorm, trainStepNames.gradNorm);
  return { graph, parameterNames: specs.map((spec) => spec.name), dropoutSiteNames: [...inputs.dropoutMasks.keys()] };
}

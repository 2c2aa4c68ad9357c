// One GPT-2 training step as a single ONNX graph: forward, backward, global-norm clipping and AdamW.
// Parameters and Adam moments live in one flat buffer per AdamW group (flat-parameters.ts): each group goes in as
// three inputs and comes back as three outputs named "new.<input name>", so AdamW is a few large element-wise ops.
// The forward pass reads each parameter from its own input, which the caller feeds as a view into the flat buffer.

import { backward } from '../autodiff/backward.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { adamWStepScalars, adamWUpdate, type AdamWHyperparameters } from '../optim/adamw.ts';
import { clipCoefficient } from '../optim/clip-grad-norm.ts';
import type { Gpt2Config } from './config.ts';
import { flatLayout, type FlatGroup, type FlatGroupName, type FlatLayout } from './flat-parameters.ts';
import type { DistillationObjective } from './distillation-loss.ts';
import { addGpt2DataInputs, buildGpt2Forward } from './forward.ts';
import { trainingLoss } from './training-loss.ts';

export interface TrainStepOptions {
  batch: number;
  /** T, at most blockSize. */
  time: number;
  dtype: 'float32' | 'float64';
  optimizer: AdamWHyperparameters;
  /** Max global gradient norm; 0 or Infinity turns clipping off. */
  gradClip: number;
  /** Also output the logits and every parameter's unclipped gradient (parity tests and debugging). */
  exposeGradients?: boolean;
  /** Train a student against a teacher's log-probabilities (training-loss.ts) instead of the targets alone. */
  distillation?: DistillationObjective;
}

/** Input and output names of the step graphs, so callers never spell them by hand. */
export const trainStepNames = {
  learningRate: 'lr',
  /** AdamW's t, counting from 1, fed as a float scalar. */
  step: 'step',
  firstMoment: (parameter: string) => `adam.m.${parameter}`,
  secondMoment: (parameter: string) => `adam.v.${parameter}`,
  updated: (input: string) => `new.${input}`,
  loss: 'loss',
  gradNorm: 'gradNorm',
  /** The fused step's flat buffers: a group's parameters are one input, its moments two more. */
  flatParameters: (group: FlatGroupName) => `flat.${group}`,
  /** Outputs that exist only with `exposeGradients`. */
  logits: 'logits',
  gradient: (parameter: string) => `grad.${parameter}`,
} as const;

export interface TrainStepGraph {
  graph: Graph;
  /** Parameter names in spec order. */
  parameterNames: string[];
  dropoutSiteNames: string[];
  /** Where each parameter sits in the flat group buffers the graph takes. */
  layout: FlatLayout;
}

interface GroupInputs {
  group: FlatGroup;
  parameters: Value;
  firstMoment: Value;
  secondMoment: Value;
}

export function buildGpt2TrainStep(config: Gpt2Config, options: TrainStepOptions): TrainStepGraph {
  const graph = new Graph({ name: 'gpt2-train-step' });
  const data = addGpt2DataInputs(graph, config, { batch: options.batch, time: options.time, dtype: options.dtype, withTargets: true, training: true });
  const layout = flatLayout(config);
  const groups = layout.groups.map((group) => addGroupInputs(graph, group, options.dtype));
  const parameters = new Map([...layout.byName].map(([name, { entry }]) => [name, graph.input(name, options.dtype, entry.shape)]));
  const forward = buildGpt2Forward(config, { ...data, parameters });
  const { loss, parts } = trainingLoss(graph, forward, options.distillation);

  const names = [...layout.byName.keys()];
  const gradients = backward(graph, loss, names.map((name) => parameters.get(name) as Value));
  const gradientOf = new Map(names.map((name, index) => [name, gradients[index] as Value]));
  if (options.exposeGradients === true) {
    graph.output(forward.logits, trainStepNames.logits);
    for (const [name, gradient] of gradientOf) graph.output(gradient, trainStepNames.gradient(name));
  }
  const flatGradients = groups.map(({ group }) => op.concat(group.entries.map((entry) => op.reshape(gradientOf.get(entry.name) as Value, [entry.size])), 0));
  const clip = clipCoefficient(flatGradients, options.gradClip);

  const scalar = (name: string) => graph.input(name, options.dtype, []);
  const scalars = adamWStepScalars(scalar(trainStepNames.learningRate), scalar(trainStepNames.step), options.optimizer);
  groups.forEach((inputs, index) => {
    const state = { parameter: inputs.parameters, firstMoment: inputs.firstMoment, secondMoment: inputs.secondMoment };
    const prepared = { scale: clip.coefficient, squared: clip.squaredGradients[index] as Value };
    const next = adamWUpdate(state, flatGradients[index] as Value, inputs.group.decays, scalars, prepared);
    graph.output(next.parameter, trainStepNames.updated(inputs.parameters.name));
    graph.output(next.firstMoment, trainStepNames.updated(inputs.firstMoment.name));
    graph.output(next.secondMoment, trainStepNames.updated(inputs.secondMoment.name));
  });
  graph.output(loss, trainStepNames.loss);
  for (const [name, part] of parts) graph.output(part, name);
  graph.output(clip.totalNorm, trainStepNames.gradNorm);
  return { graph, parameterNames: names, dropoutSiteNames: [...data.dropoutMasks.keys()], layout };
}

function addGroupInputs(graph: Graph, group: FlatGroup, dtype: 'float32' | 'float64'): GroupInputs {
  const name = trainStepNames.flatParameters(group.name);
  return {
    group,
    parameters: graph.input(name, dtype, [group.size]),
    firstMoment: graph.input(trainStepNames.firstMoment(name), dtype, [group.size]),
    secondMoment: graph.input(trainStepNames.secondMoment(name), dtype, [group.size]),
  };
}

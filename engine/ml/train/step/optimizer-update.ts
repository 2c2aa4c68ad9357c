// The end of every optimizer step, written once for both step graphs: global-norm clipping and AdamW on the flat
// group buffers. Each group's state goes in as three inputs and comes back as three outputs named "new.<input>".

import type { Graph } from '../../graph/graph.ts';
import type { Value } from '../../graph/value.ts';
import { adamWStepScalars, adamWUpdate, type AdamWHyperparameters } from '../../optim/adamw.ts';
import { clipCoefficient } from '../../optim/clip-grad-norm.ts';
import type { FlatGroup, FlatLayout } from './flat-layout.ts';
import type { FloatDType } from './model-family.ts';
import { trainStepNames } from './step-names.ts';

export interface OptimizerOptions {
  dtype: FloatDType;
  optimizer: AdamWHyperparameters;
  /** Max global gradient norm; 0 or Infinity turns clipping off. */
  gradClip: number;
}

/** One group's optimizer state as graph inputs: its flat parameters and Adam moments. */
export interface FlatGroupState {
  group: FlatGroup;
  parameters: Value;
  firstMoment: Value;
  secondMoment: Value;
}

export function addFlatStateInputs(graph: Graph, layout: FlatLayout, dtype: FloatDType): FlatGroupState[] {
  return layout.groups.map((group) => {
    const name = trainStepNames.flatParameters(group.name);
    return {
      group,
      parameters: graph.input(name, dtype, [group.size]),
      firstMoment: graph.input(trainStepNames.firstMoment(name), dtype, [group.size]),
      secondMoment: graph.input(trainStepNames.secondMoment(name), dtype, [group.size]),
    };
  });
}

/**
 * Clips `flatGradients` (one per group, in the state's order) by their global norm and applies AdamW, outputting each
 * group's next state. The clip scale and the squared gradients the norm needs are folded into the moment updates.
 * Returns the unclipped global norm; the caller outputs it after its own outputs.
 */
export function addOptimizerUpdate(graph: Graph, state: readonly FlatGroupState[], flatGradients: readonly Value[], options: OptimizerOptions): Value {
  const clip = clipCoefficient(flatGradients, options.gradClip);
  const scalar = (name: string) => graph.input(name, options.dtype, []);
  const scalars = adamWStepScalars(scalar(trainStepNames.learningRate), scalar(trainStepNames.step), options.optimizer);
  state.forEach((inputs, index) => {
    const current = { parameter: inputs.parameters, firstMoment: inputs.firstMoment, secondMoment: inputs.secondMoment };
    const prepared = { scale: clip.coefficient, squared: clip.squaredGradients[index] as Value };
    const next = adamWUpdate(current, flatGradients[index] as Value, inputs.group.decays, scalars, prepared);
    graph.output(next.parameter, trainStepNames.updated(inputs.parameters.name));
    graph.output(next.firstMoment, trainStepNames.updated(inputs.firstMoment.name));
    graph.output(next.secondMoment, trainStepNames.updated(inputs.secondMoment.name));
  });
  return clip.totalNorm;
}

// Input and output names of the step graphs, in one place, so the builder, the session and the tests never spell
// them by hand. Checkpoints store parameters and moments per parameter under the same names.

import type { FlatGroupName } from './flat-layout.ts';

export const trainStepNames = {
  learningRate: 'lr',
  /** AdamW's t, counting from 1, fed as a float scalar. */
  step: 'step',
  /** A group's trainable parameters, one flat buffer; each parameter is also fed on its own as a view into it. */
  flatParameters: (group: FlatGroupName) => `flat.${group}`,
  firstMoment: (parameter: string) => `adam.m.${parameter}`,
  secondMoment: (parameter: string) => `adam.v.${parameter}`,
  /** The running gradient sum of a flat buffer while micro-batches accumulate. */
  gradientSum: (flat: string) => `grad.sum.${flat}`,
  /** What a graph writes for the next run of an input it reads. */
  updated: (input: string) => `new.${input}`,
  loss: 'loss',
  gradNorm: 'gradNorm',
  /** Outputs that exist only with `exposeGradients`. */
  logits: 'logits',
  gradient: (parameter: string) => `grad.${parameter}`,
} as const;

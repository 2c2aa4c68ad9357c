// AdamW inside the graph, in torch.optim.AdamW's order: decoupled decay p *= 1 - lr*wd (only where asked),
// moments m, v, then p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).

import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';

export interface AdamWHyperparameters {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWHyperparameters = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 };

/** Per-step scalars shared by every parameter's update. */
export interface AdamWStepScalars {
  learningRate: Value;
  /** lr / (1 - beta1^t). */
  stepSize: Value;
  /** sqrt(1 - beta2^t). */
  secondMomentCorrection: Value;
  hyperparameters: AdamWHyperparameters;
}

/** `learningRate` and `step` (t, counting from 1) are float scalars fed per step. */
export function adamWStepScalars(learningRate: Value, step: Value, hyperparameters: AdamWHyperparameters): AdamWStepScalars {
  const one = op.scalarLike(step, 1);
  const correction = (beta: number) => op.sub(one, op.pow(op.scalarLike(step, beta), step));
  return {
    learningRate,
    stepSize: op.div(learningRate, correction(hyperparameters.beta1)),
    secondMomentCorrection: op.sqrt(correction(hyperparameters.beta2)),
    hyperparameters,
  };
}

export interface AdamWState {
  parameter: Value;
  firstMoment: Value;
  secondMoment: Value;
}

export function adamWUpdate(state: AdamWState, gradient: Value, decays: boolean, scalars: AdamWStepScalars): AdamWState {
  const { beta1, beta2, epsilon, weightDecay } = scalars.hyperparameters;
  const c = (value: number) => op.scalarLike(gradient, value);
  let parameter = state.parameter;
  if (decays && weightDecay !== 0) parameter = op.mul(parameter, op.sub(c(1), op.mul(scalars.learningRate, c(weightDecay))));
  const firstMoment = op.add(op.mul(state.firstMoment, c(beta1)), op.mul(gradient, c(1 - beta1)));
  const secondMoment = op.add(op.mul(state.secondMoment, c(beta2)), op.mul(op.mul(gradient, gradient), c(1 - beta2)));
  const denominator = op.add(op.div(op.sqrt(secondMoment), scalars.secondMomentCorrection), c(epsilon));
  const updated = op.sub(parameter, op.mul(scalars.stepSize, op.div(firstMoment, denominator)));
  return { parameter: updated, firstMoment, secondMoment };
}

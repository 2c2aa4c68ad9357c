// AdamW inside the graph in torch.optim.AdamW's order: p *= 1 - lr*wd (where asked), moments m and v, then
// p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps); a clip scale may be folded into m and v's coefficients.

import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';

export interface AdamWHyperparameters {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** torch.optim.AdamW's eps, which no node exposes; the betas and weight decay are each run's settings. */
export const ADAMW_EPSILON = 1e-8;

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

/** Work the caller already did: a scale still to apply to the gradient (the clip coefficient) and its square. */
export interface PreparedGradient {
  /** A scalar the gradient must be multiplied by before the update; folded into the moment coefficients. */
  scale?: Value | null;
  /** gradient * gradient, before `scale`. */
  squared?: Value;
}

export function adamWUpdate(state: AdamWState, gradient: Value, decays: boolean, scalars: AdamWStepScalars, prepared: PreparedGradient = {}): AdamWState {
  const { beta1, beta2, epsilon, weightDecay } = scalars.hyperparameters;
  const c = (value: number) => op.scalarLike(gradient, value);
  const scale = prepared.scale ?? null;
  // (1 - b1) * scale and (1 - b2) * scale^2 are scalars, so scaling costs nothing per element.
  const firstCoefficient = scale === null ? c(1 - beta1) : op.mul(scale, c(1 - beta1));
  const secondCoefficient = scale === null ? c(1 - beta2) : op.mul(op.mul(scale, scale), c(1 - beta2));
  let parameter = state.parameter;
  if (decays && weightDecay !== 0) parameter = op.mul(parameter, op.sub(c(1), op.mul(scalars.learningRate, c(weightDecay))));
  const firstMoment = op.add(op.mul(state.firstMoment, c(beta1)), op.mul(gradient, firstCoefficient));
  const squared = prepared.squared ?? op.mul(gradient, gradient);
  const secondMoment = op.add(op.mul(state.secondMoment, c(beta2)), op.mul(squared, secondCoefficient));
  const denominator = op.add(op.div(op.sqrt(secondMoment), scalars.secondMomentCorrection), c(epsilon));
  const updated = op.sub(parameter, op.mul(scalars.stepSize, op.div(firstMoment, denominator)));
  return { parameter: updated, firstMoment, secondMoment };
}

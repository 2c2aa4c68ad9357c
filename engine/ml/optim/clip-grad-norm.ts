// Global-norm gradient clipping inside the graph, as torch.nn.utils.clip_grad_norm_ computes it:
// scale every gradient by min(1, maxNorm / (totalNorm + 1e-6)).

import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';

export interface ClippedGradients {
  gradients: Value[];
  /** The L2 norm of all gradients together, before clipping (a scalar). */
  totalNorm: Value;
}

export interface ClipCoefficient {
  /** The L2 norm of all gradients together, before clipping (a scalar). */
  totalNorm: Value;
  /** min(1, maxNorm / (totalNorm + 1e-6)), or null when clipping is off. */
  coefficient: Value | null;
  /** Each gradient squared element-wise, computed for the norm; AdamW's second moment can reuse them. */
  squaredGradients: Value[];
}

export function clipByGlobalNorm(gradients: readonly Value[], maxNorm: number): ClippedGradients {
  const { totalNorm, coefficient } = clipCoefficient(gradients, maxNorm);
  if (coefficient === null) return { gradients: [...gradients], totalNorm };
  return { gradients: gradients.map((gradient) => op.mul(gradient, coefficient)), totalNorm };
}

/** The clipping scale without applying it, so a caller can fold it into later per-step scalars. */
export function clipCoefficient(gradients: readonly Value[], maxNorm: number): ClipCoefficient {
  const [first] = gradients;
  if (first === undefined) throw new Error('clipByGlobalNorm: needs at least one gradient');
  const squaredGradients = gradients.map((gradient) => op.mul(gradient, gradient));
  const totalNorm = op.sqrt(op.sum(squaredGradients.map((squared) => op.reduceSum(squared, undefined, { keepDims: false }))));
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) return { totalNorm, coefficient: null, squaredGradients };
  const coefficient = op.div(op.scalarLike(first, maxNorm), op.add(totalNorm, op.scalarLike(first, 1e-6)));
  const one = op.scalarLike(first, 1);
  return { totalNorm, coefficient: op.where(op.less(coefficient, one), coefficient, one), squaredGradients };
}

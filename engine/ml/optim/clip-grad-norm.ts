// Global-norm gradient clipping inside the graph, as torch.nn.utils.clip_grad_norm_ computes it:
// scale every gradient by min(1, maxNorm / (totalNorm + 1e-6)).

import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';

export interface ClippedGradients {
  gradients: Value[];
  /** The L2 norm of all gradients together, before clipping (a scalar). */
  totalNorm: Value;
}

export function clipByGlobalNorm(gradients: readonly Value[], maxNorm: number): ClippedGradients {
  const [first] = gradients;
  if (first === undefined) throw new Error('clipByGlobalNorm: needs at least one gradient');
  const squares = gradients.map((gradient) => op.reduceSum(op.mul(gradient, gradient), undefined, { keepDims: false }));
  const totalNorm = op.sqrt(op.sum(squares));
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) return { gradients: [...gradients], totalNorm };
  const coefficient = op.div(op.scalarLike(first, maxNorm), op.add(totalNorm, op.scalarLike(first, 1e-6)));
  const one = op.scalarLike(first, 1);
  const clamped = op.where(op.less(coefficient, one), coefficient, one);
  return { gradients: gradients.map((gradient) => op.mul(gradient, clamped)), totalNorm };
}

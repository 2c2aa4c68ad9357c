// Gradient rules for MatMul/FusedMatMul, LayerNormalization, tanh-GELU and SoftmaxCrossEntropyLoss,
// written with standard ops because ORT's training-only *Grad kernels are not in the inference build.

import { floatAttr, intAttr, stringAttr } from '../../graph/attributes.ts';
import { isStaticShape, productOfDims, type Dim } from '../../graph/dims.ts';
import type { OpType } from '../../graph/op-types.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import { firstInputOnly, type GradContext, type GradRule } from '../grad-context.ts';
import { sumToShape } from '../sum-to-shape.ts';

interface Product {
  transA: boolean;
  transB: boolean;
  alpha: number;
}

/** [..., M, K] -> [(...*M), K]: folds batch dims into rows so a weight's gradient is one 2-D product. */
function foldBatch(value: Value): Value {
  const rows = productOfDims(value.shape.slice(0, -1));
  return op.reshape(value, [rows, value.shape[value.shape.length - 1] as Dim]);
}

/**
 * Y = alpha * op(A) @ op(B). With T meaning "transposed":
 *   dA = alpha * (transA ? op(B) @ dY^T : dY @ op(B)^T), written as one FusedMatMul per case,
 *   dB = alpha * (transB ? dY^T @ op(A) : op(A)^T @ dY).
 */
function dA(a: Value, b: Value, dy: Value, { transA, transB, alpha }: Product): Value {
  if (!transA) return op.fusedMatMul(dy, b, { transB: !transB, alpha });
  return op.fusedMatMul(b, dy, { transA: transB, transB: true, alpha });
}

function dB(a: Value, b: Value, dy: Value, { transA, transB, alpha }: Product): Value {
  if (!transB) return op.fusedMatMul(a, dy, { transA: !transA, alpha });
  return op.fusedMatMul(dy, a, { transA: true, transB: transA, alpha });
}

/**
 * A 2-D weight's gradient from activation rows A (M, K) and dY (M, N), summed over the M rows. For Y = A B it is
 * Transpose(A) @ dY: ORT ran FusedMatMul(transA) ~1.3x slower than this plain product at GPT-2's shapes, which pays
 * for the transpose of A (the smaller operand; a second transpose for the "NT" form cost more than it saved).
 * ORT's MatmulTransposeFusion would fold the Transpose back in, so runtime/session.ts disables that fusion.
 */
function weightGradient(a: Value, dy: Value, { transB, alpha }: Product): Value {
  if (transB) return op.fusedMatMul(dy, a, { transA: true, alpha }); // (N, K), used by the tied head only
  const aColumns = op.transpose(a, [1, 0]); // (K, M)
  return alpha === 1 ? op.matMul(aColumns, dy) : op.fusedMatMul(aColumns, dy, { alpha });
}

function productGradients(context: GradContext, product: Product): (Value | null)[] {
  const [a, b] = [context.input(0), context.input(1)];
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new Error(`${context.node.opType} gradient: node "${context.node.name}" has a 1-D operand; reshape it to 2-D first`);
  }
  const dy = context.dy;
  const gradA = context.needs(0) ? sumToShape(dA(a, b, dy, product), a.shape) : null;
  let gradB: Value | null = null;
  if (context.needs(1)) {
    // A 2-D weight times (possibly batched) activation rows: fold any batch into rows, one product over all rows.
    const isWeight = b.shape.length === 2 && !product.transA;
    gradB = isWeight ? weightGradient(foldBatch(a), foldBatch(dy), product) : sumToShape(dB(a, b, dy, product), b.shape);
  }
  return [gradA, gradB];
}

const matMul: GradRule = (context) => productGradients(context, { transA: false, transB: false, alpha: 1 });

const fusedMatMul: GradRule = (context) => {
  const attributes = context.node.attributes;
  return productGradients(context, {
    transA: intAttr(attributes, 'transA', 0, 'FusedMatMul') === 1,
    transB: intAttr(attributes, 'transB', 0, 'FusedMatMul') === 1,
    alpha: floatAttr(attributes, 'alpha', 1, 'FusedMatMul'),
  });
};

/**
 * y = xhat * scale + bias, xhat = (x - mean) * rstd over the normalized axes. With g = dy * scale:
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), dscale = sum(dy * xhat), dbias = sum(dy).
 * Uses the node's Mean and InvStdDev outputs when it has them in x's dtype (float32); otherwise recomputes them.
 */
const layerNormalization: GradRule = (context) => {
  if (context.node.outputs.slice(1).some((_, index) => context.dOutput(index + 1) !== null)) {
    throw new Error(`LayerNormalization gradient: node "${context.node.name}" only supports gradients through Y, not Mean/InvStdDev`);
  }
  const [x, scale] = [context.input(0), context.input(1)];
  const { axes, mean, rstd } = layerNormStatistics(context);
  const xhat = op.mul(op.sub(x, mean), rstd);
  const dy = context.dy;
  const g = op.mul(dy, scale);
  const dx = context.needs(0)
    ? op.mul(rstd, op.sub(op.sub(g, op.reduceMean(g, axes)), op.mul(xhat, op.reduceMean(op.mul(g, xhat), axes))))
    : null;
  const dScale = context.needs(1) ? sumToShape(op.mul(dy, xhat), scale.shape) : null;
  const bias = context.node.inputs[2] ?? null;
  const dBias = bias !== null && context.needs(2) ? sumToShape(dy, bias.shape) : null;
  return [dx, dScale, dBias];
};

function layerNormStatistics(context: GradContext): { axes: number[]; mean: Value; rstd: Value } {
  const x = context.input(0);
  const rank = x.shape.length;
  const axis = intAttr(context.node.attributes, 'axis', -1, 'LayerNormalization');
  const axes = Array.from({ length: rank - (axis < 0 ? axis + rank : axis) }, (_, index) => rank - 1 - index).reverse();
  const [, savedMean, savedRstd] = context.node.outputs;
  if (savedMean !== undefined && savedRstd !== undefined && savedMean.dtype === x.dtype) return { axes, mean: savedMean, rstd: savedRstd };
  const epsilon = op.scalarLike(x, floatAttr(context.node.attributes, 'epsilon', 1e-5, 'LayerNormalization'));
  const mean = op.reduceMean(x, axes);
  const centered = op.sub(x, mean);
  const variance = op.reduceMean(op.mul(centered, centered), axes);
  return { axes, mean, rstd: op.div(op.scalarLike(x, 1), op.sqrt(op.add(variance, epsilon))) };
}

const GELU_SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * gelu(x) = 0.5 x (1 + tanh(u)) = x s with u = c (x + k x^3) and s = sigmoid(2u), so with y = gelu(x):
 *   d/dx = s + x s (1 - s) 2u' = s (1 + (x - y) 2u'),  2u' = 2c (1 + 3k x^2).
 * Twelve element-wise ops, reusing the forward output y for x (1 - s).
 */
const gelu: GradRule = (context) => {
  if (stringAttr(context.node.attributes, 'approximate', 'none', 'Gelu') !== 'tanh') {
    throw new Error(`Gelu gradient: node "${context.node.name}" uses exact GELU; build it with approximate="tanh" (geluTanh)`);
  }
  const x = context.input(0);
  const c = (value: number) => op.scalarLike(x, value);
  const twoC = 2 * GELU_SQRT_2_OVER_PI;
  const xSquared = op.mul(x, x);
  const twoU = op.mul(x, op.add(op.mul(xSquared, c(twoC * GELU_CUBIC)), c(twoC)));
  const s = op.sigmoid(twoU);
  const twoDu = op.add(op.mul(xSquared, c(3 * twoC * GELU_CUBIC)), c(twoC));
  const xTimesOneMinusS = op.sub(x, context.output());
  const slope = op.mul(op.add(op.mul(xTimesOneMinusS, twoDu), c(1)), s);
  return firstInputOnly(context, op.mul(context.dy, slope));
};

/**
 * loss = CE(softmax(scores), labels): dscores = (softmax(scores) - onehot(labels)) * dLoss (/ N for the mean).
 * Written as softmax * scale with -scale added at each row's label (ScatterElements, reduction "add"): no one-hot
 * [N, C] is built, which at GPT-2's 50257 classes cost an Equal, a Cast and a Sub over 51M elements per step.
 */
const softmaxCrossEntropyLoss: GradRule = (context) => {
  if (context.dOutput(1) !== null) throw new Error(`SoftmaxCrossEntropyLoss gradient: node "${context.node.name}" cannot differentiate log_prob`);
  if (context.node.attributes.ignore_index !== undefined) throw new Error('SoftmaxCrossEntropyLoss gradient: ignore_index is not supported');
  const [scores, labels] = [context.input(0), context.input(1)];
  const [rows, classes] = scores.shape;
  if (scores.shape.length !== 2 || typeof classes !== 'number' || rows === undefined) {
    throw new Error(`SoftmaxCrossEntropyLoss gradient: node "${context.node.name}" needs scores [N, C] with a numeric C`);
  }
  const scale = lossScale(context, scores); // a scalar, or (N, 1) for reduction "none"
  const labelColumn = op.unsqueeze(op.cast(labels, 'int64'), [1]); // (N, 1)
  const atLabels = op.expand(op.neg(scale), [rows, 1]);
  return firstInputOnly(context, op.scatterElements(op.mul(op.softmax(scores, 1), scale), labelColumn, atLabels, 1, 'add'));
};

function lossScale(context: GradContext, scores: Value): Value {
  const reduction = stringAttr(context.node.attributes, 'reduction', 'mean', 'SoftmaxCrossEntropyLoss');
  if (reduction === 'none') return op.unsqueeze(context.dy, [1]);
  if (reduction === 'sum') return context.dy;
  const rows = scores.shape[0] as Dim;
  const count = isStaticShape([rows]) ? op.scalarLike(scores, rows as number) : op.cast(op.sizeOf(context.input(1)), scores.dtype);
  return op.div(context.dy, count);
}

export const nnGradRules = {
  MatMul: matMul,
  FusedMatMul: fusedMatMul,
  LayerNormalization: layerNormalization,
  Gelu: gelu,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyLoss,
} satisfies Partial<Record<OpType, GradRule>>;

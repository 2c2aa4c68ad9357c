// Gradient rules for element-wise ops. Broadcast operands get their gradient summed back to their
// own shape; rules reuse the forward output where the derivative is cheapest in terms of it.

import { isFloatDType } from '../../onnx/data-types.ts';
import type { OpType } from '../../graph/op-types.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import type { GradContext, GradRule } from '../grad-context.ts';
import { sumToShape } from '../sum-to-shape.ts';

/** Applies `gradientFor` only to inputs that need a gradient, summing each back to its input's shape. */
function perInput(context: GradContext, gradientFor: (index: number) => Value): (Value | null)[] {
  return context.node.inputs.map((input, index) => (input !== null && context.needs(index) ? sumToShape(gradientFor(index), input.shape) : null));
}

const add: GradRule = (context) => perInput(context, () => context.dy);

const sub: GradRule = (context) => perInput(context, (index) => (index === 0 ? context.dy : op.neg(context.dy)));

const sum: GradRule = (context) => perInput(context, () => context.dy);

const mul: GradRule = (context) => {
  const [a, b] = [context.input(0), context.input(1)];
  return perInput(context, (index) => op.mul(context.dy, index === 0 ? b : a));
};

/** y = a / b: da = dy / b, db = -dy * y / b. */
const div: GradRule = (context) => {
  const b = context.input(1);
  return perInput(context, (index) => {
    const dyOverB = op.div(context.dy, b);
    return index === 0 ? dyOverB : op.neg(op.mul(dyOverB, context.output()));
  });
};

/** y = x^p: dx = dy * p * x^(p-1); dp = dy * y * log(x), defined for x > 0. */
const pow: GradRule = (context) => {
  const [x, p] = [context.input(0), context.input(1)];
  return perInput(context, (index) => {
    if (index === 1) return op.mul(context.dy, op.mul(context.output(), op.log(x)));
    const pMinusOne = op.sub(p, op.scalarLike(p, 1));
    return op.mul(context.dy, op.mul(op.cast(p, x.dtype), op.pow(x, pMinusOne)));
  });
};

const neg: GradRule = (context) => [op.neg(context.dy)];

const exp: GradRule = (context) => [op.mul(context.dy, context.output())];

const log: GradRule = (context) => [op.div(context.dy, context.input(0))];

/** y = sqrt(x): dx = dy / (2y). */
const sqrt: GradRule = (context) => [op.div(op.mul(context.dy, op.scalarLike(context.dy, 0.5)), context.output())];

/** y = tanh(x): dx = dy * (1 - y^2). */
const tanh: GradRule = (context) => {
  const y = context.output();
  return [op.mul(context.dy, op.sub(op.scalarLike(y, 1), op.mul(y, y)))];
};

/** y = sigmoid(x): dx = dy * y * (1 - y). */
const sigmoid: GradRule = (context) => {
  const y = context.output();
  return [op.mul(context.dy, op.mul(y, op.sub(op.scalarLike(y, 1), y)))];
};

/** y = cos(x): dx = -dy * sin(x). */
const cos: GradRule = (context) => [op.neg(op.mul(context.dy, op.sin(context.input(0))))];

/** y = sin(x): dx = dy * cos(x). */
const sin: GradRule = (context) => [op.mul(context.dy, op.cos(context.input(0)))];

const identity: GradRule = (context) => [context.dy];

/** A float-to-float cast passes the gradient back in the input's dtype. */
const cast: GradRule = (context) => {
  const input = context.input(0);
  return [isFloatDType(input.dtype) ? op.cast(context.dy, input.dtype) : null];
};

/** y = where(c, a, b): a gets dy where c holds, b where it does not; the condition gets none. */
const where: GradRule = (context) => {
  const condition = context.input(0);
  const zero = op.scalarLike(context.dy, 0);
  return perInput(context, (index) =>
    index === 1 ? op.where(condition, context.dy, zero) : op.where(condition, zero, context.dy),
  );
};

export const elementwiseGradRules = {
  Add: add,
  Sub: sub,
  Sum: sum,
  Mul: mul,
  Div: div,
  Pow: pow,
  Neg: neg,
  Exp: exp,
  Log: log,
  Sqrt: sqrt,
  Tanh: tanh,
  Sigmoid: sigmoid,
  Cos: cos,
  Sin: sin,
  Identity: identity,
  Cast: cast,
  Where: where,
} satisfies Partial<Record<OpType, GradRule>>;

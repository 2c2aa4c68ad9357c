// Shape rules for element-wise ops: broadcasting arithmetic, comparisons, Where, Cast and unary maps.
// Integer Mul also multiplies build-time-known contents, so runtime shapes such as [B*T, C] stay known.

import { ONNX_DATA_TYPE, type DType } from '../../onnx/data-types.ts';
import { intAttr } from '../attributes.ts';
import { broadcastShapes, productOfDims } from '../dims.ts';
import type { OpType } from '../op-types.ts';
import type { ValueType } from '../value.ts';
import { describeInputs, inputAt, requireFloat, requireSameDType, sameAsInput, type ShapeContext, type ShapeRule } from './context.ts';

function presentInputs(context: ShapeContext): ValueType[] {
  return context.inputs.map((input, index) => inputAt(context, index, `operand ${index}`));
}

const broadcastArithmetic: ShapeRule = (context) => {
  const inputs = presentInputs(context);
  const dtype = requireSameDType(context, inputs);
  const shape = broadcastShapes(context.opType, inputs.map((input) => input.shape));
  return [{ dtype, shape, ...knownProduct(context, inputs) }];
};

/** Mul of two small known int64 tensors (a runtime shape times a size) stays known. */
function knownProduct(context: ShapeContext, inputs: readonly ValueType[]): Pick<ValueType, 'known'> {
  const [a, b] = inputs;
  if (context.opType !== 'Mul' || a?.known === undefined || b?.known === undefined) return {};
  if (a.known.length !== b.known.length) return {};
  return { known: a.known.map((dim, index) => productOfDims([dim, b.known?.[index] ?? 1])) };
}

const comparison: ShapeRule = (context) => {
  const inputs = presentInputs(context);
  requireSameDType(context, inputs);
  return [{ dtype: 'bool', shape: broadcastShapes(context.opType, inputs.map((input) => input.shape)) }];
};

const where: ShapeRule = (context) => {
  const condition = inputAt(context, 0, 'condition');
  const whenTrue = inputAt(context, 1, 'X');
  const whenFalse = inputAt(context, 2, 'Y');
  if (condition.dtype !== 'bool') throw new Error(`Where: condition must be bool, got ${describeInputs(context)}`);
  if (whenTrue.dtype !== whenFalse.dtype) throw new Error(`Where: X and Y must share one dtype, got ${describeInputs(context)}`);
  return [{ dtype: whenTrue.dtype, shape: broadcastShapes('Where', [condition.shape, whenTrue.shape, whenFalse.shape]) }];
};

const pow: ShapeRule = (context) => {
  const base = inputAt(context, 0, 'X');
  const exponent = inputAt(context, 1, 'Y');
  requireFloat(context, base, 'X');
  return [{ dtype: base.dtype, shape: broadcastShapes('Pow', [base.shape, exponent.shape]) }];
};

const floatUnary: ShapeRule = (context) => {
  requireFloat(context, inputAt(context, 0, 'X'), 'X');
  return sameAsInput(context);
};

const identity: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'input');
  return [{ dtype: input.dtype, shape: input.shape, ...(input.known ? { known: input.known } : {}) }];
};

const cast: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'input');
  const code = intAttr(context.attributes, 'to', 0, 'Cast');
  const entry = Object.entries(ONNX_DATA_TYPE).find(([, value]) => value === code);
  if (entry === undefined) throw new Error(`Cast: target type code ${code} is not one the ML core supports`);
  const dtype = entry[0] as DType;
  const keepsKnown = input.known !== undefined && dtype === 'int64';
  return [{ dtype, shape: input.shape, ...(keepsKnown ? { known: input.known } : {}) }];
};

export const elementwiseShapeRules = {
  Add: broadcastArithmetic,
  Sub: broadcastArithmetic,
  Mul: broadcastArithmetic,
  Div: broadcastArithmetic,
  Sum: broadcastArithmetic,
  Pow: pow,
  Equal: comparison,
  Less: comparison,
  Where: where,
  Neg: sameAsInput,
  Exp: floatUnary,
  Log: floatUnary,
  Sqrt: floatUnary,
  Tanh: floatUnary,
  Sigmoid: floatUnary,
  Cos: floatUnary,
  Sin: floatUnary,
  Gelu: floatUnary,
  Identity: identity,
  Cast: cast,
} satisfies Partial<Record<OpType, ShapeRule>>;

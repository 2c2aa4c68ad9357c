// Builders for element-wise math, comparisons, Where and Cast. Each takes values and returns the
// new value; the graph is the one the first operand belongs to.

import { ONNX_DATA_TYPE, type DType } from '../../onnx/data-types.ts';
import { attr } from '../attributes.ts';
import type { Value } from '../value.ts';
import { applySingle } from './single.ts';

export const add = (a: Value, b: Value): Value => applySingle(a.graph, 'Add', [a, b]);
export const sub = (a: Value, b: Value): Value => applySingle(a.graph, 'Sub', [a, b]);
export const mul = (a: Value, b: Value): Value => applySingle(a.graph, 'Mul', [a, b]);
export const div = (a: Value, b: Value): Value => applySingle(a.graph, 'Div', [a, b]);
export const pow = (base: Value, exponent: Value): Value => applySingle(base.graph, 'Pow', [base, exponent]);
export const neg = (x: Value): Value => applySingle(x.graph, 'Neg', [x]);
export const exp = (x: Value): Value => applySingle(x.graph, 'Exp', [x]);
export const log = (x: Value): Value => applySingle(x.graph, 'Log', [x]);
export const sqrt = (x: Value): Value => applySingle(x.graph, 'Sqrt', [x]);
export const tanh = (x: Value): Value => applySingle(x.graph, 'Tanh', [x]);
export const sigmoid = (x: Value): Value => applySingle(x.graph, 'Sigmoid', [x]);
export const cos = (x: Value): Value => applySingle(x.graph, 'Cos', [x]);
export const sin = (x: Value): Value => applySingle(x.graph, 'Sin', [x]);
export const identity = (x: Value): Value => applySingle(x.graph, 'Identity', [x]);
export const equal = (a: Value, b: Value): Value => applySingle(a.graph, 'Equal', [a, b]);
export const less = (a: Value, b: Value): Value => applySingle(a.graph, 'Less', [a, b]);

export function where(condition: Value, whenTrue: Value, whenFalse: Value): Value {
  return applySingle(condition.graph, 'Where', [condition, whenTrue, whenFalse]);
}

/** Sum of one or more values with broadcasting; a single value is returned as it is. */
export function sum(values: readonly Value[]): Value {
  const [first] = values;
  if (first === undefined) throw new Error('Sum: needs at least one value');
  return values.length === 1 ? first : applySingle(first.graph, 'Sum', values);
}

export function cast(x: Value, to: DType): Value {
  return x.dtype === to ? x : applySingle(x.graph, 'Cast', [x], { to: attr.int(ONNX_DATA_TYPE[to]) });
}

/** A scalar constant with x's dtype, for expressions such as x * 0.5. */
export function scalarLike(x: Value, value: number): Value {
  return x.graph.scalar(x.dtype, value);
}

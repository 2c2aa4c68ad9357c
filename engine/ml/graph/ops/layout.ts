// Builders for ops that reshape or move data. Target shapes may hold symbolic dims: a single unknown
// becomes -1, several are read at run time from values that carry them (Graph.runtimeShape).

import { typedArrayFrom, type DType } from '../../onnx/data-types.ts';
import { attr } from '../attributes.ts';
import { isStaticShape, quotientOfDims, shapesEqual, type Shape } from '../dims.ts';
import type { Graph } from '../graph.ts';
import type { Value } from '../value.ts';
import { applySingle } from './single.ts';

export function transpose(x: Value, perm: readonly number[]): Value {
  return applySingle(x.graph, 'Transpose', [x], { perm: attr.ints(perm) });
}

/** Reshape to `shape`; returns x itself when the shape already matches. */
export function reshape(x: Value, shape: Shape): Value {
  if (shapesEqual(x.shape, shape)) return x;
  return applySingle(x.graph, 'Reshape', [x, shapeInputFor(x, shape)]);
}

/** The shape operand: a constant when at most one dim is symbolic (written as -1), else read at run time. */
function shapeInputFor(x: Value, shape: Shape): Value {
  if (isStaticShape(shape)) return x.graph.int64s(shape);
  const symbolicAt = shape.flatMap((dim, index) => (typeof dim === 'number' ? [] : [index]));
  const [onlySymbolic] = symbolicAt;
  if (symbolicAt.length === 1 && onlySymbolic !== undefined) {
    const others = shape.filter((_, index) => index !== onlySymbolic);
    if (quotientOfDims(x.shape, others) === shape[onlySymbolic]) {
      return x.graph.int64s(shape.map((dim) => (typeof dim === 'number' ? dim : -1)));
    }
  }
  return x.graph.runtimeShape(shape);
}

/** Broadcast x to `shape`; returns x itself when the shape already matches. */
export function expand(x: Value, shape: Shape): Value {
  if (shapesEqual(x.shape, shape)) return x;
  return applySingle(x.graph, 'Expand', [x, x.graph.runtimeShape(shape)]);
}

export function concat(values: readonly Value[], axis: number): Value {
  const [first] = values;
  if (first === undefined) throw new Error('Concat: needs at least one value');
  return values.length === 1 ? first : applySingle(first.graph, 'Concat', values, { axis: attr.int(axis) });
}

/** Splits x along `axis` into pieces of the given sizes, which must add up to that axis. */
export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  return x.graph.apply('Split', [x, x.graph.int64s(sizes)], { axis: attr.int(axis) }, { outputCount: sizes.length });
}

export interface SliceSpec {
  starts: readonly number[];
  ends: readonly number[];
  axes?: readonly number[];
  steps?: readonly number[];
}

export function slice(x: Value, spec: SliceSpec): Value {
  const graph = x.graph;
  const axes = spec.axes === undefined ? null : graph.int64s(spec.axes);
  const steps = spec.steps === undefined ? null : graph.int64s(spec.steps);
  return applySingle(graph, 'Slice', [x, graph.int64s(spec.starts), graph.int64s(spec.ends), axes, steps]);
}

/** Zero padding; `pads` is [begin_0, begin_1, ..., end_0, end_1, ...] as in ONNX. */
export function pad(x: Value, pads: readonly number[]): Value {
  return applySingle(x.graph, 'Pad', [x, x.graph.int64s(pads)]);
}

export const unsqueeze = (x: Value, axes: readonly number[]): Value => applySingle(x.graph, 'Unsqueeze', [x, x.graph.int64s(axes)]);
export const squeeze = (x: Value, axes: readonly number[]): Value => applySingle(x.graph, 'Squeeze', [x, x.graph.int64s(axes)]);

export function shapeOf(x: Value, range: { start?: number; end?: number } = {}): Value {
  const attributes = {
    ...(range.start === undefined ? {} : { start: attr.int(range.start) }),
    ...(range.end === undefined ? {} : { end: attr.int(range.end) }),
  };
  return applySingle(x.graph, 'Shape', [x], attributes);
}

export const sizeOf = (x: Value): Value => applySingle(x.graph, 'Size', [x]);

/** A tensor of `shape` filled with `fill`; only the shape is stored in the model, not the data. */
export function constantOfShape(graph: Graph, shape: Shape, dtype: DType, fill: number): Value {
  const value = attr.tensor({ name: 'value', dtype, dims: [1], data: typedArrayFrom(dtype, [fill]) });
  return applySingle(graph, 'ConstantOfShape', [graph.runtimeShape(shape)], { value });
}

export const zerosLike = (x: Value): Value => constantOfShape(x.graph, x.shape, x.dtype, 0);
export const onesLike = (x: Value): Value => constantOfShape(x.graph, x.shape, x.dtype, 1);

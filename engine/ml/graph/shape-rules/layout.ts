// Shape rules for ops that move or reshape data: Transpose, Reshape, Expand, Concat, Split, Slice, Pad,
// Unsqueeze/Squeeze, Shape/Size and constants. Shape and Size outputs carry their build-time contents.

import type { TensorProto } from '../../onnx/model-proto.ts';
import { intAttr, intsAttr, tensorAttr } from '../attributes.ts';
import { broadcastShapes, differenceOfDims, END_OF_AXIS, formatShape, normalizeAxis, productOfDims, quotientOfDims, sumOfDims, type Dim } from '../dims.ts';
import type { OpType } from '../op-types.ts';
import { MAX_KNOWN_ELEMENTS, type ValueType } from '../value.ts';
import { describeInputs, inputAt, knownDimsAt, knownIntsAt, optionalInputAt, requireSameDType, type ShapeRule } from './context.ts';

const transpose: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'data');
  const rank = input.shape.length;
  const perm = intsAttr(context.attributes, 'perm', 'Transpose') ?? input.shape.map((_, index) => rank - 1 - index);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((axis, index) => axis !== index)) {
    throw new Error(`Transpose: perm [${perm.join(',')}] is not a permutation of the axes of ${formatShape(input.shape)}`);
  }
  return [{ dtype: input.dtype, shape: perm.map((axis) => input.shape[axis] as Dim) }];
};

const reshape: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'data');
  const target = knownDimsAt(context, 1, 'shape');
  const allowZero = intAttr(context.attributes, 'allowzero', 0, 'Reshape') === 1;
  const resolved = target.map((dim, index) => (dim === 0 && !allowZero ? (input.shape[index] ?? 0) : dim));
  const inferredAt = resolved.indexOf(-1);
  if (resolved.lastIndexOf(-1) !== inferredAt) throw new Error(`Reshape: target [${target.join(',')}] has more than one -1`);
  const shape = [...resolved];
  if (inferredAt >= 0) {
    const others = resolved.filter((_, index) => index !== inferredAt);
    const inferred = quotientOfDims(input.shape, others);
    if (inferred === undefined) throw new Error(`Reshape: cannot reshape ${formatShape(input.shape)} to [${target.join(',')}]`);
    shape[inferredAt] = inferred;
  } else if (productOfDims(resolved) !== productOfDims(input.shape)) {
    throw new Error(`Reshape: cannot reshape ${formatShape(input.shape)} to [${target.join(',')}]`);
  }
  const keepsKnown = input.known !== undefined && shape.length <= 1;
  return [{ dtype: input.dtype, shape, ...(keepsKnown ? { known: input.known } : {}) }];
};

const expand: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'input');
  const target = knownDimsAt(context, 1, 'shape');
  return [{ dtype: input.dtype, shape: broadcastShapes('Expand', [input.shape, target]) }];
};

const concat: ShapeRule = (context) => {
  const inputs = context.inputs.map((input, index) => inputAt(context, index, `input ${index}`));
  const dtype = requireSameDType(context, inputs);
  const first = inputs[0] as ValueType;
  const axis = normalizeAxis('Concat', intAttr(context.attributes, 'axis', 0, 'Concat'), first.shape.length);
  const mismatched = inputs.some(
    (input) => input.shape.length !== first.shape.length || input.shape.some((dim, index) => index !== axis && dim !== first.shape[index]),
  );
  if (mismatched) throw new Error(`Concat: shapes must match except on axis ${axis}, got ${describeInputs(context)}`);
  const shape = [...first.shape];
  shape[axis] = sumOfDims(inputs.map((input) => input.shape[axis] as Dim));
  const allKnown = inputs.every((input) => input.known !== undefined) && first.shape.length === 1;
  return [{ dtype, shape, ...(allKnown ? { known: inputs.flatMap((input) => input.known ?? []) } : {}) }];
};

/** Split into the known sizes of input 1 along `axis`; one output per size. */
const split: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'input');
  const sizes = knownIntsAt(context, 1, 'split');
  const axis = normalizeAxis('Split', intAttr(context.attributes, 'axis', 0, 'Split'), input.shape.length);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (sizes.some((size) => size < 0) || input.shape[axis] !== total || sizes.length !== context.outputCount) {
    throw new Error(`Split: ${context.outputCount} outputs of sizes [${sizes.join(',')}] do not split axis ${axis} of ${formatShape(input.shape)}`);
  }
  return sizes.map((size) => ({ dtype: input.dtype, shape: input.shape.map((dim, index) => (index === axis ? size : dim)) }));
};

/** Length of data[start:end:step] along a dim of size `dim`, following ONNX's clamping rules. */
function sliceLength(dim: Dim, start: number, end: number, step: number): Dim {
  if (typeof dim === 'number') {
    const clampStart = (value: number) => Math.min(Math.max(value < 0 ? value + dim : value, 0), step > 0 ? dim : dim - 1);
    const clampEnd = (value: number) => Math.min(Math.max(value < 0 ? value + dim : value, step > 0 ? 0 : -1), step > 0 ? dim : dim - 1);
    return Math.max(0, Math.ceil((clampEnd(end) - clampStart(start)) / step));
  }
  const toEnd = end >= END_OF_AXIS;
  if (step === 1 && start === 0 && toEnd) return dim;
  if (step === 1 && start < 0 && toEnd) return -start;
  if (step === 1 && start > 0 && toEnd) return sumOfDims([dim, -start]);
  if (step === 1 && start >= 0 && end >= start && !toEnd) return end - start;
  throw new Error(`Slice: cannot size [${start}:${end}:${step}] of symbolic dim ${dim}; use numeric dims or start 0 to the end`);
}

/**
 * Length of data[start:end] when a bound is symbolic (read from a Shape): [0:E] is E, and [X:end of axis] is the
 * dim less X when X is a term of it, as slicing a concatenation (P+S) back into its P and S parts needs.
 */
function symbolicSliceLength(dim: Dim, start: Dim, end: Dim, step: number): Dim {
  if (step === 1 && start === 0 && typeof end === 'string') return end;
  const rest = step === 1 && typeof start === 'string' && end === END_OF_AXIS ? differenceOfDims(dim, start) : undefined;
  if (rest === undefined) throw new Error(`Slice: cannot size [${start}:${end}:${step}] of dim ${dim}; symbolic bounds can only take [0:E] or [X:] of a sum holding X`);
  return rest;
}

const slice: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const starts = knownDimsAt(context, 1, 'starts');
  const ends = knownDimsAt(context, 2, 'ends');
  const rank = data.shape.length;
  const axes = optionalInputAt(context, 3) === undefined ? starts.map((_, index) => index) : knownIntsAt(context, 3, 'axes');
  const steps = optionalInputAt(context, 4) === undefined ? starts.map(() => 1) : knownIntsAt(context, 4, 'steps');
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new Error(`Slice: starts, ends, axes and steps must have one entry per sliced axis, got ${describeInputs(context)}`);
  }
  const shape = [...data.shape];
  axes.forEach((axis, index) => {
    const normalized = normalizeAxis('Slice', axis, rank);
    const step = steps[index] as number;
    if (step === 0) throw new Error('Slice: steps must not be 0');
    const [start, end, dim] = [starts[index] as Dim, ends[index] as Dim, data.shape[normalized] as Dim];
    shape[normalized] = typeof start === 'number' && typeof end === 'number' ? sliceLength(dim, start, end, step) : symbolicSliceLength(dim, start, end, step);
  });
  return [{ dtype: data.dtype, shape }];
};

const pad: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const pads = knownIntsAt(context, 1, 'pads');
  const rank = data.shape.length;
  if (pads.length !== 2 * rank) throw new Error(`Pad: pads needs ${2 * rank} entries for ${formatShape(data.shape)}, got [${pads.join(',')}]`);
  const shape = data.shape.map((dim, axis) => sumOfDims([dim, pads[axis] as number, pads[axis + rank] as number]));
  return [{ dtype: data.dtype, shape }];
};

const unsqueeze: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const outputRank = data.shape.length + knownIntsAt(context, 1, 'axes').length;
  const axes = new Set(knownIntsAt(context, 1, 'axes').map((axis) => normalizeAxis('Unsqueeze', axis, outputRank)));
  const rest = [...data.shape];
  const shape = Array.from({ length: outputRank }, (_, index) => (axes.has(index) ? 1 : (rest.shift() as Dim)));
  const keepsKnown = data.known !== undefined && outputRank <= 1;
  return [{ dtype: data.dtype, shape, ...(keepsKnown ? { known: data.known } : {}) }];
};

const squeeze: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const rank = data.shape.length;
  const axes = optionalInputAt(context, 1) === undefined
    ? data.shape.flatMap((dim, index) => (dim === 1 ? [index] : []))
    : knownIntsAt(context, 1, 'axes').map((axis) => normalizeAxis('Squeeze', axis, rank));
  for (const axis of axes) {
    if (data.shape[axis] !== 1) throw new Error(`Squeeze: axis ${axis} of ${formatShape(data.shape)} is not 1`);
  }
  const shape = data.shape.filter((_, index) => !axes.includes(index));
  const keepsKnown = data.known !== undefined && shape.length <= 1;
  return [{ dtype: data.dtype, shape, ...(keepsKnown ? { known: data.known } : {}) }];
};

const shapeOf: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const rank = data.shape.length;
  const clamp = (axis: number) => Math.min(Math.max(axis < 0 ? axis + rank : axis, 0), rank);
  const start = clamp(intAttr(context.attributes, 'start', 0, 'Shape'));
  const end = clamp(intAttr(context.attributes, 'end', rank, 'Shape'));
  const known = data.shape.slice(start, Math.max(start, end));
  return [{ dtype: 'int64', shape: [known.length], known }];
};

const size: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  return [{ dtype: 'int64', shape: [], known: [productOfDims(data.shape)] }];
};

function knownContents(tensor: TensorProto): Pick<ValueType, 'known'> {
  if (tensor.dtype !== 'int64' || tensor.dims.length > 1 || tensor.data.length > MAX_KNOWN_ELEMENTS) return {};
  return { known: Array.from(tensor.data as BigInt64Array, (value) => Number(value)) };
}

const constant: ShapeRule = (context) => {
  const tensor = tensorAttr(context.attributes, 'value', 'Constant');
  if (tensor === undefined) throw new Error('Constant: the ML core only writes the "value" tensor attribute');
  return [{ dtype: tensor.dtype, shape: tensor.dims, ...knownContents(tensor) }];
};

const constantOfShape: ShapeRule = (context) => {
  const shape = knownDimsAt(context, 0, 'shape');
  const fill = tensorAttr(context.attributes, 'value', 'ConstantOfShape');
  return [{ dtype: fill?.dtype ?? 'float32', shape }];
};

export const layoutShapeRules = {
  Transpose: transpose,
  Reshape: reshape,
  Expand: expand,
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Shape: shapeOf,
  Size: size,
  Constant: constant,
  ConstantOfShape: constantOfShape,
} satisfies Partial<Record<OpType, ShapeRule>>;

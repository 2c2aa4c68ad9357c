// Gradient rules for ops that move data without changing values: the gradient moves back the same way
// (inverse transpose, reshape to the input's shape, slice out concat parts, concat split parts, pad a slice with zeros).

import { intAttr, intsAttr } from '../../graph/attributes.ts';
import { END_OF_AXIS, formatShape, normalizeAxis, type Dim } from '../../graph/dims.ts';
import type { OpType } from '../../graph/op-types.ts';
import * as op from '../../graph/ops/index.ts';
import { firstInputOnly, type GradRule } from '../grad-context.ts';
import { sumToShape } from '../sum-to-shape.ts';

const transpose: GradRule = (context) => {
  const rank = context.input(0).shape.length;
  const perm = intsAttr(context.node.attributes, 'perm', 'Transpose') ?? Array.from({ length: rank }, (_, axis) => rank - 1 - axis);
  const inverse = new Array<number>(rank);
  perm.forEach((axis, position) => {
    inverse[axis] = position;
  });
  return firstInputOnly(context, op.transpose(context.dy, inverse));
};

/** Reshape, Unsqueeze and Squeeze only relabel the elements: reshape the gradient back. */
const reshapeBack: GradRule = (context) => firstInputOnly(context, op.reshape(context.dy, context.input(0).shape));

const expand: GradRule = (context) => firstInputOnly(context, sumToShape(context.dy, context.input(0).shape));

const concat: GradRule = (context) => {
  const rank = context.input(0).shape.length;
  const axis = normalizeAxis('Concat', intAttr(context.node.attributes, 'axis', 0, 'Concat'), rank);
  let offset: Dim = 0;
  return context.node.inputs.map((input, index) => {
    if (input === null) return null;
    const size = input.shape[axis] as Dim;
    const start = offset;
    const isLast = index === context.node.inputs.length - 1;
    if (typeof start !== 'number' || (typeof size !== 'number' && !isLast)) {
      throw new Error(`Concat gradient: node "${context.node.name}" needs numeric sizes on axis ${axis} before its last input`);
    }
    offset = typeof size === 'number' ? start + size : size;
    if (!context.needs(index)) return null;
    const end = isLast ? END_OF_AXIS : start + (size as number);
    return op.slice(context.dy, { starts: [start], ends: [end], axes: [axis] });
  });
};

/** The pieces' gradients joined back in order; a piece nothing depends on contributes zeros. */
const split: GradRule = (context) => {
  const axis = intAttr(context.node.attributes, 'axis', 0, 'Split');
  const pieces = context.node.outputs.map((output, index) => context.dOutput(index) ?? op.zerosLike(output));
  return firstInputOnly(context, op.concat(pieces, axis));
};

/** Zero padding on each side of the sliced window; steps other than 1 are not supported. */
const slice: GradRule = (context) => {
  const x = context.input(0);
  const known = (index: number) => context.node.inputs[index]?.known as number[] | undefined;
  const starts = known(1) ?? [];
  const ends = known(2) ?? [];
  const axes = known(3) ?? starts.map((_, index) => index);
  const steps = known(4) ?? starts.map(() => 1);
  const rank = x.shape.length;
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((rawAxis, index) => {
    const axis = normalizeAxis('Slice', rawAxis, rank);
    if (steps[index] !== 1) throw new Error(`Slice gradient: node "${context.node.name}" uses step ${steps[index]}; only 1 is supported`);
    const [before, after] = padsAround(x.shape[axis] as Dim, starts[index] as number, ends[index] as number);
    pads[axis] = before;
    pads[axis + rank] = after;
  });
  return firstInputOnly(context, op.pad(context.dy, pads));
};

function padsAround(dim: Dim, start: number, end: number): [number, number] {
  if (typeof dim === 'number') {
    const clamp = (value: number) => Math.min(Math.max(value < 0 ? value + dim : value, 0), dim);
    const first = clamp(start);
    return [first, dim - Math.max(first, clamp(end))];
  }
  if (start >= 0 && end >= END_OF_AXIS) return [start, 0];
  throw new Error(`Slice gradient: cannot pad [${start}:${end}] of symbolic dim ${dim}; slice symbolic dims from a start >= 0 to the end`);
}

/** Pad's gradient is the slice of the padded gradient that covers the original data. */
const pad: GradRule = (context) => {
  const x = context.input(0);
  const pads = context.node.inputs[1]?.known as number[] | undefined;
  if (pads === undefined || pads.some((amount) => amount < 0)) {
    throw new Error(`Pad gradient: node "${context.node.name}" needs known non-negative pads for ${formatShape(x.shape)}`);
  }
  const rank = x.shape.length;
  const axes = x.shape.map((_, axis) => axis);
  const starts = axes.map((axis) => pads[axis] as number);
  const ends = axes.map((axis) => ((pads[axis + rank] as number) > 0 ? -(pads[axis + rank] as number) : END_OF_AXIS));
  return firstInputOnly(context, op.slice(context.dy, { starts, ends, axes }));
};

export const layoutGradRules = {
  Transpose: transpose,
  Reshape: reshapeBack,
  Unsqueeze: reshapeBack,
  Squeeze: reshapeBack,
  Expand: expand,
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
} satisfies Partial<Record<OpType, GradRule>>;


// Shape rules for gathers and scatters (embedding lookups and their gradients) and Trilu masks.
// Index inputs must be int64 or int32; scatter updates must match the shape the indices select.

import { intAttr } from '../attributes.ts';
import { formatShape, normalizeAxis, shapesEqual, type Dim } from '../dims.ts';
import type { OpType } from '../op-types.ts';
import type { ValueType } from '../value.ts';
import { describeInputs, inputAt, sameAsInput, type ShapeContext, type ShapeRule } from './context.ts';

function requireIndices(context: ShapeContext, indices: ValueType): void {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') {
    throw new Error(`${context.opType}: indices must be int64 or int32, got ${describeInputs(context)}`);
  }
}

const gather: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const indices = inputAt(context, 1, 'indices');
  requireIndices(context, indices);
  const axis = normalizeAxis('Gather', intAttr(context.attributes, 'axis', 0, 'Gather'), data.shape.length);
  return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)] }];
};

const gatherElements: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const indices = inputAt(context, 1, 'indices');
  requireIndices(context, indices);
  if (indices.shape.length !== data.shape.length) {
    throw new Error(`GatherElements: indices ${formatShape(indices.shape)} must have the rank of data ${formatShape(data.shape)}`);
  }
  normalizeAxis('GatherElements', intAttr(context.attributes, 'axis', 0, 'GatherElements'), data.shape.length);
  return [{ dtype: data.dtype, shape: indices.shape }];
};

/** For GatherND/ScatterND: indices [..., k] address the first k axes of data; k must be a number. */
function selectedShape(context: ShapeContext, data: ValueType, indices: ValueType): Dim[] {
  requireIndices(context, indices);
  if (intAttr(context.attributes, 'batch_dims', 0, context.opType) !== 0) throw new Error(`${context.opType}: only batch_dims 0 is supported`);
  const depth = indices.shape[indices.shape.length - 1];
  if (typeof depth !== 'number' || depth < 1 || depth > data.shape.length) {
    throw new Error(`${context.opType}: last dim of indices ${formatShape(indices.shape)} must be a number in 1..${data.shape.length}`);
  }
  return [...indices.shape.slice(0, -1), ...data.shape.slice(depth)];
}

const gatherND: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  return [{ dtype: data.dtype, shape: selectedShape(context, data, inputAt(context, 1, 'indices')) }];
};

const scatterND: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const updates = inputAt(context, 2, 'updates');
  const expected = selectedShape(context, data, inputAt(context, 1, 'indices'));
  if (!shapesEqual(updates.shape, expected) || updates.dtype !== data.dtype) {
    throw new Error(`ScatterND: updates must be ${data.dtype}${formatShape(expected)}, got ${describeInputs(context)}`);
  }
  return sameAsInput(context);
};

const scatterElements: ShapeRule = (context) => {
  const data = inputAt(context, 0, 'data');
  const indices = inputAt(context, 1, 'indices');
  const updates = inputAt(context, 2, 'updates');
  requireIndices(context, indices);
  if (!shapesEqual(indices.shape, updates.shape) || indices.shape.length !== data.shape.length || updates.dtype !== data.dtype) {
    throw new Error(`ScatterElements: indices and updates must share a shape of data's rank, got ${describeInputs(context)}`);
  }
  return sameAsInput(context);
};

const trilu: ShapeRule = (context) => {
  const input = inputAt(context, 0, 'input');
  if (input.shape.length < 2) throw new Error(`Trilu: input must have rank >= 2, got ${formatShape(input.shape)}`);
  return sameAsInput(context);
};

export const indexingShapeRules = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterND: scatterND,
  ScatterElements: scatterElements,
  Trilu: trilu,
} satisfies Partial<Record<OpType, ShapeRule>>;

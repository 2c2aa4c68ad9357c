// Gradient rules for gathers, scatters and Trilu. A gather's gradient scatters the output gradient
// back with reduction "add", so rows picked several times (repeated token ids) sum their gradients.

import { intAttr, stringAttr } from '../../graph/attributes.ts';
import type { OpType } from '../../graph/op-types.ts';
import * as op from '../../graph/ops/index.ts';
import { firstInputOnly, type GradRule } from '../grad-context.ts';

/** Embedding-style Gather along axis 0: dTable = scatterND(zeros, ids[..., None], dy, add). */
const gather: GradRule = (context) => {
  const axis = intAttr(context.node.attributes, 'axis', 0, 'Gather');
  if (axis !== 0) throw new Error(`Gather gradient: node "${context.node.name}" uses axis ${axis}; only axis 0 is supported`);
  const [data, indices] = [context.input(0), context.input(1)];
  const dData = op.scatterND(op.zerosLike(data), op.unsqueeze(op.cast(indices, 'int64'), [-1]), context.dy, 'add');
  return firstInputOnly(context, dData);
};

const gatherElements: GradRule = (context) => {
  const [data, indices] = [context.input(0), context.input(1)];
  const axis = intAttr(context.node.attributes, 'axis', 0, 'GatherElements');
  return firstInputOnly(context, op.scatterElements(op.zerosLike(data), indices, context.dy, axis, 'add'));
};

const gatherND: GradRule = (context) => {
  const [data, indices] = [context.input(0), context.input(1)];
  return firstInputOnly(context, op.scatterND(op.zerosLike(data), indices, context.dy, 'add'));
};

/** Overwritten positions of data get no gradient unless the scatter adds; updates read theirs back. */
const scatterND: GradRule = (context) => {
  const [indices, updates] = [context.input(1), context.input(2)];
  const adds = stringAttr(context.node.attributes, 'reduction', 'none', 'ScatterND') === 'add';
  const dData = context.needs(0) ? (adds ? context.dy : op.scatterND(context.dy, indices, op.zerosLike(updates))) : null;
  const dUpdates = context.needs(2) ? op.gatherND(context.dy, indices) : null;
  return [dData, null, dUpdates];
};

const scatterElements: GradRule = (context) => {
  const [indices, updates] = [context.input(1), context.input(2)];
  const axis = intAttr(context.node.attributes, 'axis', 0, 'ScatterElements');
  const adds = stringAttr(context.node.attributes, 'reduction', 'none', 'ScatterElements') === 'add';
  const dData = context.needs(0) ? (adds ? context.dy : op.scatterElements(context.dy, indices, op.zerosLike(updates), axis)) : null;
  const dUpdates = context.needs(2) ? op.gatherElements(context.dy, indices, axis) : null;
  return [dData, null, dUpdates];
};

/** Trilu keeps a triangle; its gradient is the same triangle of dy. */
const trilu: GradRule = (context) => {
  const diagonal = context.node.inputs[1] ?? null;
  const upper = intAttr(context.node.attributes, 'upper', 1, 'Trilu');
  return firstInputOnly(context, context.graph.apply('Trilu', [context.dy, diagonal], { upper: { kind: 'int', value: upper } })[0] ?? null);
};

export const indexingGradRules = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterND: scatterND,
  ScatterElements: scatterElements,
  Trilu: trilu,
} satisfies Partial<Record<OpType, GradRule>>;

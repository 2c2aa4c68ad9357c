// Recognizes a gradient written as a scatter-add of a few rows into zeros (what Gather and GatherElements give their
// table), so the rules that receive one can fold it into a dense value instead of materializing the zeros:
// backward.ts adds it onto the other contributions, the LogSoftmax rule turns a cross-entropy's into one scatter.

import { intAttr, stringAttr, tensorAttr } from '../graph/attributes.ts';
import type { GraphNode, Value } from '../graph/value.ts';

export interface ScatterOntoZeros {
  /** The ScatterND or ScatterElements node (reduction "add") whose data input is all zeros. */
  node: GraphNode;
  indices: Value;
  updates: Value;
  /** ScatterElements' axis; null for ScatterND. */
  axis: number | null;
}

export function scatterAddOntoZeros(value: Value): ScatterOntoZeros | null {
  const node = value.producer;
  if (node === null || (node.opType !== 'ScatterND' && node.opType !== 'ScatterElements')) return null;
  const [data, indices, updates] = node.inputs;
  if (data === null || data === undefined || indices === null || indices === undefined || updates === null || updates === undefined) return null;
  if (stringAttr(node.attributes, 'reduction', 'none', node.opType) !== 'add' || !isZeros(data)) return null;
  const axis = node.opType === 'ScatterElements' ? intAttr(node.attributes, 'axis', 0, node.opType) : null;
  return { node, indices, updates, axis: axis === null || axis >= 0 ? axis : axis + value.shape.length };
}

function isZeros(value: Value): boolean {
  const node = value.producer;
  if (node === null || node.opType !== 'ConstantOfShape') return false;
  const fill = tensorAttr(node.attributes, 'value', 'ConstantOfShape');
  return fill !== undefined && fill.data.length === 1 && Number(fill.data[0]) === 0;
}

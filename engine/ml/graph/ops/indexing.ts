// Builders for gathers, scatters and Trilu. The embedding lookup is gather(table, ids); its gradient
// is scatterND(zeros, ids, grads, 'add'), which accumulates repeated ids.

import { attr } from '../attributes.ts';
import type { Value } from '../value.ts';
import { applySingle } from './single.ts';

export type ScatterReduction = 'none' | 'add';

export const gather = (data: Value, indices: Value, axis = 0): Value => applySingle(data.graph, 'Gather', [data, indices], { axis: attr.int(axis) });

export function gatherElements(data: Value, indices: Value, axis: number): Value {
  return applySingle(data.graph, 'GatherElements', [data, indices], { axis: attr.int(axis) });
}

export const gatherND = (data: Value, indices: Value): Value => applySingle(data.graph, 'GatherND', [data, indices]);

export function scatterND(data: Value, indices: Value, updates: Value, reduction: ScatterReduction = 'none'): Value {
  return applySingle(data.graph, 'ScatterND', [data, indices, updates], { reduction: attr.string(reduction) });
}

export function scatterElements(data: Value, indices: Value, updates: Value, axis: number, reduction: ScatterReduction = 'none'): Value {
  return applySingle(data.graph, 'ScatterElements', [data, indices, updates], { axis: attr.int(axis), reduction: attr.string(reduction) });
}

/** Keeps the upper (or lower) triangle of the last two axes, offset by `diagonal`. */
export function trilu(x: Value, options: { upper: boolean; diagonal?: number }): Value {
  const diagonal = options.diagonal === undefined || options.diagonal === 0 ? null : x.graph.constant('int64', [], [options.diagonal]);
  return applySingle(x.graph, 'Trilu', [x, diagonal], { upper: attr.int(options.upper ? 1 : 0) });
}

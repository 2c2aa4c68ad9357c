// Helper for builders of single-output ops: adds the node and returns its only output.
// Shared by every file in ops/.

import type { Attributes } from '../attributes.ts';
import type { Graph } from '../graph.ts';
import type { OpType } from '../op-types.ts';
import type { Value } from '../value.ts';

export function applySingle(graph: Graph, opType: OpType, inputs: readonly (Value | null)[], attributes: Attributes = {}): Value {
  const [output] = graph.apply(opType, inputs, attributes);
  if (output === undefined) throw new Error(`${opType}: produced no output`);
  return output;
}

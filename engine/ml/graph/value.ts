// The typed values and nodes a Graph records: every value knows its dtype, shape and producing node.
// Op builders and gradient rules read these; only graph.ts creates them.

import type { DType } from '../onnx/data-types.ts';
import type { Attributes } from './attributes.ts';
import type { Dim, Shape } from './dims.ts';
import type { Graph } from './graph.ts';
import type { OpType } from './op-types.ts';

/** Int64 tensors up to this many elements (rank 0 or 1) keep their build-time contents in `known`. */
export const MAX_KNOWN_ELEMENTS = 64;

/** What a shape rule knows about one output before it exists. */
export interface ValueType {
  dtype: DType;
  shape: Shape;
  /**
   * The contents of a small int64 tensor when they are known while building (constants, Shape outputs),
   * possibly symbolic. Shape rules for Reshape, Expand, Slice and reductions read axes and shapes from it.
   */
  known?: readonly Dim[];
}

export interface Value extends ValueType {
  readonly graph: Graph;
  readonly name: string;
  /** null for graph inputs and initializers. */
  readonly producer: GraphNode | null;
}

export interface GraphNode {
  readonly name: string;
  readonly opType: OpType;
  /** null marks an omitted optional input. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attributes: Attributes;
}

export function describeValue(value: Value): string {
  return `"${value.name}" (${value.dtype} [${value.shape.join(',')}])`;
}

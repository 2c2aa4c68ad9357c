// What a gradient rule sees: the node, its inputs and outputs, the incoming output gradients, and
// which inputs actually need a gradient (so rules skip work nobody asked for).

import type { Graph } from '../graph/graph.ts';
import type { OpType } from '../graph/op-types.ts';
import type { GraphNode, Value } from '../graph/value.ts';

export interface GradContext {
  readonly node: GraphNode;
  readonly graph: Graph;
  /** Input i of the node; throws when that optional input was omitted. */
  input(index: number): Value;
  /** Output i of the node (the forward result, reused by rules such as Exp and Softmax). */
  output(index?: number): Value;
  /** The gradient flowing into output 0. */
  readonly dy: Value;
  /** The gradient flowing into output i, or null when nothing downstream depends on it. */
  dOutput(index: number): Value | null;
  /** Whether input i needs a gradient (it is float and depends on a value being differentiated). */
  needs(index: number): boolean;
}

/** Returns one gradient per node input, null where the input gets none (indices, shapes, masks). */
export type GradRule = (context: GradContext) => (Value | null)[];

export type GradRuleTable = Partial<Record<OpType, GradRule>>;

export function createGradContext(node: GraphNode, dOutputs: readonly (Value | null)[], needed: readonly boolean[]): GradContext {
  const [firstOutput] = node.outputs;
  if (firstOutput === undefined) throw new Error(`node "${node.name}" (${node.opType}) has no outputs`);
  return {
    node,
    graph: firstOutput.graph,
    input(index) {
      const input = node.inputs[index];
      if (input === undefined || input === null) throw new Error(`${node.opType} gradient: node "${node.name}" has no input ${index}`);
      return input;
    },
    output(index = 0) {
      const output = node.outputs[index];
      if (output === undefined) throw new Error(`${node.opType} gradient: node "${node.name}" has no output ${index}`);
      return output;
    },
    get dy() {
      const gradient = dOutputs[0];
      if (gradient === undefined || gradient === null) {
        throw new Error(`${node.opType} gradient: node "${node.name}" only has gradients on outputs other than the first, which its rule does not support`);
      }
      return gradient;
    },
    dOutput: (index) => dOutputs[index] ?? null,
    needs: (index) => needed[index] ?? false,
  };
}

/** The result of a rule whose op only differentiates its first input (axes, shapes and indices get null). */
export function firstInputOnly(context: GradContext, gradient: Value | null): (Value | null)[] {
  return context.node.inputs.map((_, index) => (index === 0 ? gradient : null));
}

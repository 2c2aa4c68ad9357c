// Reverse-mode autodiff over a Graph: walks the nodes between `wrt` and the loss in reverse order,
// asks each op's rule for its input gradients, and sums gradients of values used more than once.

import { isFloatDType } from '../onnx/data-types.ts';
import { formatShape, shapesEqual } from '../graph/dims.ts';
import type { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { GraphNode, Value } from '../graph/value.ts';
import { createGradContext, type GradRuleTable } from './grad-context.ts';
import { gradRules } from './grad-rules.ts';
import { scatterAddOntoZeros, type ScatterOntoZeros } from './scatter-onto-zeros.ts';

export interface BackwardOptions {
  /** The rule table to use; the standard one by default. */
  rules?: GradRuleTable;
}

/**
 * Adds the gradient of `loss` with respect to each value in `wrt` to the graph and returns them in order.
 * A value the loss does not depend on gets zeros of its shape.
 */
export function backward(graph: Graph, loss: Value, wrt: readonly Value[], options: BackwardOptions = {}): Value[] {
  const rules = options.rules ?? gradRules;
  for (const value of [loss, ...wrt]) {
    if (value.graph !== graph) throw new Error(`backward: value "${value.name}" belongs to another graph`);
    if (!isFloatDType(value.dtype)) throw new Error(`backward: value "${value.name}" is ${value.dtype}; only float values have gradients`);
  }
  const dependsOnWrt = valuesDependingOn(graph, wrt);
  const contributions = new Map<Value, Value[]>([[loss, [op.onesLike(loss)]]]);
  const nodes = graph.nodes;
  for (let index = nodes.length - 1; index >= 0; index--) {
    const node = nodes[index] as GraphNode;
    if (!node.outputs.some((output) => contributions.has(output))) continue;
    const needed = node.inputs.map((input) => input !== null && dependsOnWrt.has(input));
    if (!needed.some(Boolean)) continue;
    const rule = rules[node.opType];
    if (rule === undefined) throw new Error(`no gradient rule for op "${node.opType}" (used by node "${node.name}")`);
    const dOutputs = node.outputs.map((output) => accumulated(contributions, output));
    const gradients = rule(createGradContext(node, dOutputs, needed));
    if (gradients.length !== node.inputs.length) {
      throw new Error(`gradient rule for "${node.opType}" returned ${gradients.length} gradients for ${node.inputs.length} inputs (node "${node.name}")`);
    }
    gradients.forEach((gradient, inputIndex) => {
      const input = node.inputs[inputIndex];
      if (gradient === null || input === null || input === undefined || !needed[inputIndex]) return;
      checkGradientType(node, inputIndex, input, gradient);
      const list = contributions.get(input) ?? [];
      list.push(gradient);
      contributions.set(input, list);
    });
  }
  return wrt.map((value) => accumulated(contributions, value) ?? op.zerosLike(value));
}

/** Float values computed from any of `wrt` (including `wrt` themselves). */
function valuesDependingOn(graph: Graph, wrt: readonly Value[]): Set<Value> {
  const depending = new Set<Value>(wrt);
  for (const node of graph.nodes) {
    if (!node.inputs.some((input) => input !== null && depending.has(input))) continue;
    for (const output of node.outputs) if (isFloatDType(output.dtype)) depending.add(output);
  }
  return depending;
}

/** The summed gradient of a value, collapsing its contribution list to one value on first use. */
function accumulated(contributions: Map<Value, Value[]>, value: Value): Value | null {
  const list = contributions.get(value);
  if (list === undefined || list.length === 0) return null;
  const total = sumContributions(list);
  contributions.set(value, [total]);
  return total;
}

function checkGradientType(node: GraphNode, inputIndex: number, input: Value, gradient: Value): void {
  if (gradient.dtype !== input.dtype || !shapesEqual(gradient.shape, input.shape)) {
    throw new Error(
      `gradient rule for "${node.opType}" (node "${node.name}") gave ${gradient.dtype}${formatShape(gradient.shape)} ` +
        `for input ${inputIndex} which is ${input.dtype}${formatShape(input.shape)}`,
    );
  }
}

/**
 * Sums a value's gradient contributions. A contribution that scatters a few rows into zeros (a Gather's, e.g. the
 * token embedding's, which GPT-2's tied head also reads) is added by scattering its rows onto the sum of the
 * others instead: no zeros table and no dense Add (the unused scatter is not serialized, graph.ts).
 */
function sumContributions(list: readonly Value[]): Value {
  const sparseIndex = list.length > 1 ? list.findIndex((value) => scatterAddOntoZeros(value) !== null) : -1;
  if (sparseIndex < 0) return op.sum(list);
  const sparse = scatterAddOntoZeros(list[sparseIndex] as Value) as ScatterOntoZeros;
  const rest = op.sum(list.filter((_, index) => index !== sparseIndex));
  const [folded] = rest.graph.apply(sparse.node.opType, [rest, sparse.indices, sparse.updates], sparse.node.attributes);
  return folded as Value;
}

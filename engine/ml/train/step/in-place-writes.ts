// Whether a step graph may write its next state over the buffers it reads (the flat parameters and Adam moments),
// instead of into a spare set. ORT runs nodes in a topological order and writes a preallocated output only while
// running the node that produces it, so the write is safe when every node that reads the buffer (under any name: the
// flat group, or a parameter's view into it) is that producer or one of its ancestors. That holds for every step
// graph built here while clipping ties each update to every gradient; this check proves it per graph, and the step
// falls back to the spare set when it does not hold.

import type { Graph } from '../../graph/graph.ts';
import type { GraphNode } from '../../graph/value.ts';
import type { FlatLayout } from './flat-layout.ts';
import type { StepGraphs } from './step-graphs.ts';
import { trainStepNames } from './step-names.ts';

/** One buffer written in place: the output that overwrites it and every input name that reads it. */
export interface InPlaceWrite {
  output: string;
  readers: readonly string[];
}

/**
 * Whether the graph that writes the next state (the fused step, or the apply graph) may write it over the state it
 * reads, saving a second set of parameters and moments (three copies of the trained parameters).
 */
export function updatesStateInPlace(graphs: StepGraphs): boolean {
  return writesInPlaceSafely(graphs.kind === 'fused' ? graphs.step : graphs.apply, stateWrites(graphs.layout));
}

/** Each group's parameters (read as the flat buffer and as each parameter's view) and Adam moments. */
function stateWrites(layout: FlatLayout): InPlaceWrite[] {
  return layout.groups.flatMap((group) => {
    const flat = trainStepNames.flatParameters(group.name);
    const moments = [trainStepNames.firstMoment(flat), trainStepNames.secondMoment(flat)];
    return [
      { output: trainStepNames.updated(flat), readers: [flat, ...group.entries.map((entry) => entry.name)] },
      ...moments.map((moment) => ({ output: trainStepNames.updated(moment), readers: [moment] })),
    ];
  });
}

/** True when each write's producer runs after every node that reads its buffer, whatever ORT's topological order. */
export function writesInPlaceSafely(graph: Graph, writes: readonly InPlaceWrite[]): boolean {
  const producers = new Map(graph.outputs.map((value) => [value.name, value.producer]));
  const consumers = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input === null || input.producer !== null) continue;
      const list = consumers.get(input.name) ?? [];
      list.push(node);
      consumers.set(input.name, list);
    }
  }
  const ancestorsOf = memoizedAncestors();
  for (const write of writes) {
    const producer = producers.get(write.output);
    if (producer === undefined || producer === null) return false;
    const before = ancestorsOf(producer);
    for (const reader of write.readers) {
      for (const node of consumers.get(reader) ?? []) if (node !== producer && !before.has(node)) return false;
    }
  }
  return true;
}

function memoizedAncestors(): (node: GraphNode) => Set<GraphNode> {
  const cache = new Map<GraphNode, Set<GraphNode>>();
  return (node) => {
    const cached = cache.get(node);
    if (cached !== undefined) return cached;
    const seen = new Set<GraphNode>();
    const stack = [node];
    while (stack.length > 0) {
      const current = stack.pop() as GraphNode;
      for (const input of current.inputs) {
        const producer = input?.producer ?? null;
        if (producer !== null && !seen.has(producer)) {
          seen.add(producer);
          stack.push(producer);
        }
      }
    }
    cache.set(node, seen);
    return seen;
  };
}

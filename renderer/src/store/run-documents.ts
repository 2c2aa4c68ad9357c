// Which run state belongs to which document: a run's node states show on the canvas only for the nodes of the
// pipeline that run ran (same id and type), and a document is "the one a run ran" when its graph is the same.
import type { Pipeline, PipelineNode } from '../../../app/pipeline/schema.ts';
import type { NodeRunView, RunView } from '../run/run-view.ts';

/** Same nodes (id, type, version, title, config) and edges; positions and other view state do not count. */
export function samePipelineGraph(a: Pipeline, b: Pipeline | undefined): boolean {
  if (!b) return false;
  if (a === b) return true;
  return a.nodes.length === b.nodes.length && a.edges.length === b.edges.length && graphText(a) === graphText(b);
}

function graphText(pipeline: Pipeline): string {
  const nodes = [...pipeline.nodes].sort((x, y) => x.id.localeCompare(y.id)).map(nodeIdentity);
  const edges = [...pipeline.edges].map((edge) => `${edge.from.node}.${edge.from.port}>${edge.to.node}.${edge.to.port}`).sort();
  return JSON.stringify({ nodes, edges });
}

function nodeIdentity(node: PipelineNode) {
  return { id: node.id, type: node.type, typeVersion: node.typeVersion, title: node.title ?? null, config: sortedValue(node.config) };
}

function sortedValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedValue);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)).map(([key, inner]) => [key, sortedValue(inner)]));
}

/**
 * The state of `node` in `run`, or undefined when the run did not run this node: the run's pipeline is unknown
 * (not read yet), lacks the node, or had another type under that id (a node added or replaced since).
 */
export function nodeStateInRun(run: RunView | undefined, ranPipeline: Pipeline | undefined, node: Pick<PipelineNode, 'id' | 'type'> | undefined): NodeRunView | undefined {
  if (!run || !ranPipeline || !node) return undefined;
  const ran = ranPipeline.nodes.find((candidate) => candidate.id === node.id);
  if (!ran || ran.type !== node.type) return undefined;
  return run.nodes[node.id];
}

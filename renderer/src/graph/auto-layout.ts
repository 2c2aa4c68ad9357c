// Auto-layout with dagre: data flows left to right in ranks, so a pipeline reads like the order it runs in.
// Pure: takes node sizes (as measured on the canvas, or a default) and returns top-left positions.
import { Graph, layout } from '@dagrejs/dagre';
import type { Pipeline } from '../../../app/pipeline/schema.ts';

export interface Size {
  width: number;
  height: number;
}

export const DEFAULT_NODE_SIZE: Size = { width: 220, height: 120 };
const RANK_GAP_PX = 80;
const NODE_GAP_PX = 40;

export function layoutPositions(pipeline: Pipeline, sizes: Readonly<Record<string, Size>>): Record<string, { x: number; y: number }> {
  const graph = new Graph();
  graph.setGraph({ rankdir: 'LR', ranksep: RANK_GAP_PX, nodesep: NODE_GAP_PX, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of pipeline.nodes) {
    const size = sizes[node.id] ?? DEFAULT_NODE_SIZE;
    graph.setNode(node.id, { width: size.width, height: size.height });
  }
  const ids = new Set(pipeline.nodes.map((node) => node.id));
  for (const edge of pipeline.edges) {
    if (ids.has(edge.from.node) && ids.has(edge.to.node)) graph.setEdge(edge.from.node, edge.to.node);
  }
  layout(graph);
  const positions: Record<string, { x: number; y: number }> = {};
  for (const node of pipeline.nodes) {
    const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number };
    // dagre places centres; the canvas and pipeline files use top-left corners.
    positions[node.id] = { x: Math.round(placed.x - placed.width / 2), y: Math.round(placed.y - placed.height / 2) };
  }
  return positions;
}

// Copying and pasting part of a pipeline: the chosen nodes plus the edges between them, pasted back under fresh
// ids with their edges remapped, so a paste never collides with or rewires what is already there.
import { z } from 'zod';
import { pipelineEdgeSchema, pipelineNodeSchema, type Pipeline, type PipelineEdge, type PipelineNode } from '../../../app/pipeline/schema.ts';
import { nextEdgeId, uniqueNodeId } from './unique-id.ts';

export interface Subgraph {
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}

export const CLIPBOARD_FORMAT = 'crucible.clipboard';

export function extractSubgraph(pipeline: Pipeline, nodeIds: readonly string[]): Subgraph {
  const chosen = new Set(nodeIds);
  return {
    nodes: structuredClone(pipeline.nodes.filter((node) => chosen.has(node.id))),
    edges: structuredClone(pipeline.edges.filter((edge) => chosen.has(edge.from.node) && chosen.has(edge.to.node))),
  };
}

export interface PasteResult {
  pipeline: Pipeline;
  nodeIds: string[];
  edgeIds: string[];
}

export function pasteSubgraph(pipeline: Pipeline, subgraph: Subgraph, offset: { x: number; y: number }): PasteResult {
  const nodeIdsTaken = new Set(pipeline.nodes.map((node) => node.id));
  const edgeIdsTaken = new Set(pipeline.edges.map((edge) => edge.id));
  const renamed = new Map<string, string>();
  const nodes = subgraph.nodes.map((node, index) => {
    const id = uniqueNodeId(node.id, nodeIdsTaken);
    nodeIdsTaken.add(id);
    renamed.set(node.id, id);
    const position = node.ui?.position ?? { x: 0, y: index * 40 };
    return { ...structuredClone(node), id, ui: { ...node.ui, position: { x: position.x + offset.x, y: position.y + offset.y } } };
  });
  const edges = subgraph.edges.flatMap((edge) => {
    const from = renamed.get(edge.from.node);
    const to = renamed.get(edge.to.node);
    if (!from || !to) return [];
    const id = nextEdgeId(edgeIdsTaken);
    edgeIdsTaken.add(id);
    return [{ id, from: { node: from, port: edge.from.port }, to: { node: to, port: edge.to.port } }];
  });
  return {
    pipeline: { ...pipeline, nodes: [...pipeline.nodes, ...nodes], edges: [...pipeline.edges, ...edges] },
    nodeIds: nodes.map((node) => node.id),
    edgeIds: edges.map((edge) => edge.id),
  };
}

const clipboardSchema = z.object({
  format: z.literal(CLIPBOARD_FORMAT),
  nodes: z.array(pipelineNodeSchema).max(1000),
  edges: z.array(pipelineEdgeSchema).max(5000),
});

/** Reads clipboard text written by another studio tab; null when it is anything else. */
export function subgraphFromClipboardText(text: string): Subgraph | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = clipboardSchema.safeParse(value);
  return parsed.success ? { nodes: parsed.data.nodes, edges: parsed.data.edges } : null;
}

export function subgraphToClipboardText(subgraph: Subgraph): string {
  return JSON.stringify({ format: CLIPBOARD_FORMAT, ...subgraph });
}

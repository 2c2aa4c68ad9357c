// Turns the pipeline (what the file means) plus view state (selection, measured sizes) into React Flow's nodes and
// edges. Unchanged nodes keep their object identity between calls, so dragging one node re-renders only that node.
import type { Edge, Node } from '@xyflow/react';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import { PORT_COLORS, isPortType, type PortSpec } from '../../../app/nodes/ports.ts';
import type { Pipeline, PipelineEdge, PipelineNode } from '../../../app/pipeline/schema.ts';
import type { Size } from './auto-layout.ts';

export const UNKNOWN_PORT_COLOR = '#8a8f98';
const FALLBACK_COLUMN_PX = 260;

export interface PortHandle {
  name: string;
  title: string;
  /** The port type, or "unknown" for ports of placeholder nodes and ports the node type no longer has. */
  type: string;
  color: string;
  description: string;
  multi: boolean;
  optional: boolean;
  /** Referenced by an edge in the file but missing from the node type: kept visible so nothing is lost. */
  removed: boolean;
}

export interface StudioNodeData extends Record<string, unknown> {
  typeName: string;
  title: string;
  icon: string;
  /** The node type is not in the catalogue: shown as a placeholder, its config kept untouched. */
  placeholder: boolean;
  inputs: PortHandle[];
  outputs: PortHandle[];
}

export type StudioFlowNode = Node<StudioNodeData, 'studio'>;
export type StudioFlowEdge = Edge<{ portType: string }>;

export interface ViewState {
  selectedNodes: ReadonlySet<string>;
  selectedEdges: ReadonlySet<string>;
  measured: Readonly<Record<string, Size>>;
}

export function handleOf(port: PortSpec): PortHandle {
  return {
    name: port.name,
    title: port.title,
    type: port.type,
    color: isPortType(port.type) ? PORT_COLORS[port.type] : UNKNOWN_PORT_COLOR,
    description: port.description,
    multi: port.multi ?? false,
    optional: port.optional ?? false,
    removed: false,
  };
}

function ghostHandle(name: string, why: string): PortHandle {
  return { name, title: name, type: 'unknown', color: UNKNOWN_PORT_COLOR, description: why, multi: true, optional: true, removed: true };
}

/** Ports the file's edges use that the node type does not declare (or every port, for a placeholder). */
function withGhosts(declared: PortHandle[], used: readonly string[], why: string): PortHandle[] {
  const names = new Set(declared.map((port) => port.name));
  const ghosts = [...new Set(used)].filter((name) => !names.has(name)).map((name) => ghostHandle(name, why));
  return ghosts.length === 0 ? declared : [...declared, ...ghosts];
}

function dataOf(node: PipelineNode, info: NodeTypeInfo | undefined, usedInputs: string[], usedOutputs: string[]): StudioNodeData {
  if (!info) {
    const why = `node type "${node.type}" is unknown; this port is kept from the file`;
    return { typeName: node.type, title: node.title ?? node.type, icon: 'unknown', placeholder: true, inputs: withGhosts([], usedInputs, why), outputs: withGhosts([], usedOutputs, why) };
  }
  const why = `${info.title} no longer has this port; reconnect the edge to another port or delete it`;
  return {
    typeName: info.type,
    title: node.title ?? info.title,
    icon: info.icon,
    placeholder: false,
    inputs: withGhosts(info.inputs.map(handleOf), usedInputs, why),
    outputs: withGhosts(info.outputs.map(handleOf), usedOutputs, why),
  };
}

interface CachedNode {
  source: PipelineNode;
  info: NodeTypeInfo | undefined;
  selected: boolean;
  size: Size | undefined;
  portsKey: string;
  index: number;
  result: StudioFlowNode;
}

interface CachedEdge {
  source: PipelineEdge;
  selected: boolean;
  color: string;
  result: StudioFlowEdge;
}

/** A builder with its own cache; make one per canvas. */
export function createFlowViewBuilder() {
  let nodeCache = new Map<string, CachedNode>();
  let edgeCache = new Map<string, CachedEdge>();

  function buildNodes(pipeline: Pipeline, catalogue: ReadonlyMap<string, NodeTypeInfo>, view: ViewState): StudioFlowNode[] {
    const used = portsUsedByEdges(pipeline.edges);
    const next = new Map<string, CachedNode>();
    const nodes: StudioFlowNode[] = [];
    pipeline.nodes.forEach((node, index) => {
      if (next.has(node.id)) return; // a duplicate id is listed under "needs attention"; React Flow can show only one
      const info = catalogue.get(node.type);
      const selected = view.selectedNodes.has(node.id);
      const size = view.measured[node.id];
      const inputs = used.inputs.get(node.id) ?? [];
      const outputs = used.outputs.get(node.id) ?? [];
      const portsKey = `${inputs.join(',')}|${outputs.join(',')}`;
      const cached = nodeCache.get(node.id);
      const same = cached && cached.source === node && cached.info === info && cached.selected === selected && cached.size === size && cached.portsKey === portsKey && cached.index === index;
      const result = same ? cached.result : toFlowNode(node, index, info, selected, size, inputs, outputs);
      next.set(node.id, { source: node, info, selected, size, portsKey, index, result });
      nodes.push(result);
    });
    nodeCache = next;
    return nodes;
  }

  function buildEdges(pipeline: Pipeline, catalogue: ReadonlyMap<string, NodeTypeInfo>, view: ViewState): StudioFlowEdge[] {
    const nodeTypes = new Map(pipeline.nodes.map((node) => [node.id, node.type]));
    const next = new Map<string, CachedEdge>();
    const edges: StudioFlowEdge[] = [];
    for (const edge of pipeline.edges) {
      const fromType = nodeTypes.get(edge.from.node);
      if (next.has(edge.id) || fromType === undefined || !nodeTypes.has(edge.to.node)) continue; // listed under "needs attention"
      const portType = catalogue.get(fromType)?.outputs.find((port) => port.name === edge.from.port)?.type;
      const color = portType && isPortType(portType) ? PORT_COLORS[portType] : UNKNOWN_PORT_COLOR;
      const selected = view.selectedEdges.has(edge.id);
      const cached = edgeCache.get(edge.id);
      const same = cached && cached.source === edge && cached.selected === selected && cached.color === color;
      const result = same ? cached.result : toFlowEdge(edge, selected, color, portType ?? 'unknown');
      next.set(edge.id, { source: edge, selected, color, result });
      edges.push(result);
    }
    edgeCache = next;
    return edges;
  }

  return { buildNodes, buildEdges };
}

function toFlowNode(node: PipelineNode, index: number, info: NodeTypeInfo | undefined, selected: boolean, size: Size | undefined, inputs: string[], outputs: string[]): StudioFlowNode {
  return {
    id: node.id,
    type: 'studio',
    position: node.ui?.position ?? { x: index * FALLBACK_COLUMN_PX, y: 0 },
    data: dataOf(node, info, inputs, outputs),
    selected,
    ...(size ? { measured: size } : {}),
  };
}

function toFlowEdge(edge: PipelineEdge, selected: boolean, color: string, portType: string): StudioFlowEdge {
  return {
    id: edge.id,
    source: edge.from.node,
    sourceHandle: edge.from.port,
    target: edge.to.node,
    targetHandle: edge.to.port,
    selected,
    style: { stroke: color, strokeWidth: 2 },
    data: { portType },
  };
}

function portsUsedByEdges(edges: readonly PipelineEdge[]): { inputs: Map<string, string[]>; outputs: Map<string, string[]> } {
  const inputs = new Map<string, string[]>();
  const outputs = new Map<string, string[]>();
  for (const edge of edges) {
    pushTo(outputs, edge.from.node, edge.from.port);
    pushTo(inputs, edge.to.node, edge.to.port);
  }
  return { inputs, outputs };
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

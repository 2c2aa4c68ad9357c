// The connection rules, shared by the engine's validation and the canvas: port types must match, an input takes one
// edge unless it is multi, and no edge may close a cycle. A refusal always says why, in words a user understands.
import type { NodeRegistry } from '../nodes/registry.ts';
import { findPort } from '../nodes/spec.ts';
import type { PipelineEdge, PipelineNode, PortRef } from '../pipeline/schema.ts';

export type ConnectionCode = 'unknown_node' | 'unknown_port' | 'port_type_mismatch' | 'input_already_connected' | 'cycle';
export type ConnectionCheck = { ok: true } | { ok: false; code: ConnectionCode; reason: string };

export interface GraphSnapshot {
  nodes: readonly Pick<PipelineNode, 'id' | 'type'>[];
  edges: readonly Pick<PipelineEdge, 'id' | 'from' | 'to'>[];
}

export function checkConnection(graph: GraphSnapshot, registry: NodeRegistry, from: PortRef, to: PortRef): ConnectionCheck {
  const fromNode = graph.nodes.find((n) => n.id === from.node);
  const toNode = graph.nodes.find((n) => n.id === to.node);
  if (!fromNode) return refuse('unknown_node', `there is no node "${from.node}"`);
  if (!toNode) return refuse('unknown_node', `there is no node "${to.node}"`);
  const fromSpec = registry.get(fromNode.type);
  const toSpec = registry.get(toNode.type);
  if (!fromSpec) return refuse('unknown_node', `node "${from.node}" has an unknown type "${fromNode.type}"`);
  if (!toSpec) return refuse('unknown_node', `node "${to.node}" has an unknown type "${toNode.type}"`);

  const output = findPort(fromSpec, 'output', from.port);
  if (!output) return refuse('unknown_port', `${fromSpec.title} has no output "${from.port}"${listPorts(fromSpec.outputs)}`);
  const input = findPort(toSpec, 'input', to.port);
  if (!input) return refuse('unknown_port', `${toSpec.title} has no input "${to.port}"${listPorts(toSpec.inputs)}`);

  if (output.type !== input.type) {
    return refuse('port_type_mismatch', `${output.type} cannot connect to ${input.type}: input "${input.name}" of ${toSpec.title} takes ${input.type}`);
  }
  if (!input.multi) {
    const existing = graph.edges.find((e) => e.to.node === to.node && e.to.port === to.port);
    if (existing && !(existing.from.node === from.node && existing.from.port === from.port)) {
      return refuse('input_already_connected', `input already connected: "${to.port}" of "${to.node}" takes one edge and already has one from "${existing.from.node}"`);
    }
  }
  const path = pathBetween(graph, to.node, from.node);
  if (path) return refuse('cycle', `cycle: ${[...path, to.node].map((id) => `"${id}"`).join(' → ')}`);
  return { ok: true };
}

function refuse(code: ConnectionCode, reason: string): ConnectionCheck {
  return { ok: false, code, reason };
}

function listPorts(ports: readonly { name: string }[]): string {
  return ports.length === 0 ? ' (it has none)' : ` (it has ${ports.map((p) => `"${p.name}"`).join(', ')})`;
}

/** A downstream path from `start` to `goal` (inclusive), if one exists. */
function pathBetween(graph: GraphSnapshot, start: string, goal: string): string[] | null {
  const previous = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === goal) {
      const path: string[] = [];
      for (let at: string | null = id; at !== null; at = previous.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const edge of graph.edges) {
      if (edge.from.node === id && !previous.has(edge.to.node)) {
        previous.set(edge.to.node, id);
        queue.push(edge.to.node);
      }
    }
  }
  return null;
}

// Store actions that edit the graph: add, connect (refused with the shared rule's reason), delete, move, and edit
// config. Each goes through commitDoc, so every one of them can be undone.
import { checkConnection, type ConnectionCheck } from '../../../app/graph/connect.ts';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import { MAX_LABEL_LENGTH, type Pipeline, type PipelineEdge, type PipelineNode, type PortRef } from '../../../app/pipeline/schema.ts';
import { compatibleNodeTypes } from '../graph/compatible.ts';
import { valueAt, withValueAt, type ConfigPath } from '../graph/config-path.ts';
import { nextEdgeId, uniqueNodeId } from '../graph/unique-id.ts';
import { commitDoc, nodeIdsOf, type GetState, type SetState } from './slice-tools.ts';
import type { EditorSlice, NodeMove, XY } from './studio-state.ts';

const NEW_NODE_GAP_PX = 260;

type GraphActions = Pick<
  EditorSlice,
  | 'addNode'
  | 'connect'
  | 'offerConnection'
  | 'completeConnection'
  | 'cancelConnection'
  | 'deleteNodes'
  | 'deleteEdges'
  | 'deleteSelection'
  | 'moveNodes'
  | 'setConfigField'
  | 'resetConfigField'
  | 'setNodeTitle'
  | 'setPipelineName'
>;

/** A new node of `info`'s type with the catalogue's full default config. */
export function newNode(doc: Pipeline, info: NodeTypeInfo, position: XY): PipelineNode {
  const id = uniqueNodeId(info.type, nodeIdsOf(doc));
  return { id, type: info.type, typeVersion: info.version, config: structuredClone(info.defaults), ui: { position: { x: Math.round(position.x), y: Math.round(position.y) } } };
}

function besideRightmost(doc: Pipeline): XY {
  if (doc.nodes.length === 0) return { x: 0, y: 0 };
  const rightmost = doc.nodes.reduce((best, node) => ((node.ui?.position.x ?? 0) > (best.ui?.position.x ?? 0) ? node : best));
  return { x: (rightmost.ui?.position.x ?? 0) + NEW_NODE_GAP_PX, y: rightmost.ui?.position.y ?? 0 };
}

function withEdge(doc: Pipeline, from: PortRef, to: PortRef): Pipeline {
  const edge: PipelineEdge = { id: nextEdgeId(new Set(doc.edges.map((e) => e.id))), from: { ...from }, to: { ...to } };
  return { ...doc, edges: [...doc.edges, edge] };
}

function hasEdge(doc: Pipeline, from: PortRef, to: PortRef): boolean {
  return doc.edges.some((e) => e.from.node === from.node && e.from.port === from.port && e.to.node === to.node && e.to.port === to.port);
}

function withoutNodes(doc: Pipeline, ids: ReadonlySet<string>): Pipeline {
  return {
    ...doc,
    nodes: doc.nodes.filter((node) => !ids.has(node.id)),
    edges: doc.edges.filter((edge) => !ids.has(edge.from.node) && !ids.has(edge.to.node)),
  };
}

function mapNode(doc: Pipeline, nodeId: string, change: (node: PipelineNode) => PipelineNode): Pipeline {
  let changed = false;
  const nodes = doc.nodes.map((node) => {
    if (node.id !== nodeId) return node;
    const next = change(node);
    changed ||= next !== node;
    return next;
  });
  return changed ? { ...doc, nodes } : doc;
}

export function createGraphActions(set: SetState, get: GetState): GraphActions {
  // Each drag is its own undo step: frames of one drag share this number, the next drag gets a new one.
  let dragNumber = 0;

  const connect = (from: PortRef, to: PortRef): ConnectionCheck => {
    const { doc, registry, notify } = get();
    const check = checkConnection(doc, registry, from, to);
    if (!check.ok) {
      notify('error', `Connection refused: ${check.reason}`);
      return check;
    }
    if (!hasEdge(doc, from, to)) commitDoc(set, get, withEdge(doc, from, to));
    return check;
  };

  const deleteNodes = (ids: readonly string[]) => {
    const gone = new Set(ids);
    const { doc, selectedNodes, selectedEdges } = get();
    const next = withoutNodes(doc, gone);
    const edgeIds = new Set(next.edges.map((edge) => edge.id));
    commitDoc(set, get, next.nodes.length === doc.nodes.length ? doc : next, {
      also: { selectedNodes: selectedNodes.filter((id) => !gone.has(id)), selectedEdges: selectedEdges.filter((id) => edgeIds.has(id)) },
    });
  };

  const deleteEdges = (ids: readonly string[]) => {
    const gone = new Set(ids);
    const { doc, selectedEdges } = get();
    const edges = doc.edges.filter((edge) => !gone.has(edge.id));
    if (edges.length === doc.edges.length) return;
    commitDoc(set, get, { ...doc, edges }, { also: { selectedEdges: selectedEdges.filter((id) => !gone.has(id)) } });
  };

  return {
    addNode(type, position) {
      const { doc, catalogueByType, notify } = get();
      const info = catalogueByType.get(type);
      if (!info) {
        notify('error', `Cannot add a "${type}" node: the engine's catalogue has no such node type`);
        return null;
      }
      const node = newNode(doc, info, position ?? besideRightmost(doc));
      commitDoc(set, get, { ...doc, nodes: [...doc.nodes, node] }, { also: { selectedNodes: [node.id], selectedEdges: [] } });
      return node.id;
    },

    connect,

    offerConnection(pending) {
      const { catalogue, notify } = get();
      const choices = compatibleNodeTypes(catalogue, pending.portType, pending.draggedFrom);
      if (choices.length === 0) {
        notify('info', `No node type ${pending.draggedFrom === 'output' ? 'takes' : 'produces'} ${pending.portType}`);
        return;
      }
      set({ pendingConnection: { ...pending, choices } });
    },

    completeConnection(type) {
      const { pendingConnection: pending, doc, catalogueByType, registry, notify } = get();
      const choice = pending?.choices.find((candidate) => candidate.type === type);
      const info = catalogueByType.get(type);
      if (!pending || !choice || !info) return null;
      const node = newNode(doc, info, pending.position);
      const withNode = { ...doc, nodes: [...doc.nodes, node] };
      const theirs = { node: node.id, port: choice.port };
      const ours = { node: pending.node, port: pending.port };
      const [from, to] = pending.draggedFrom === 'output' ? [ours, theirs] : [theirs, ours];
      const check = checkConnection(withNode, registry, from, to);
      if (!check.ok) notify('error', `Added ${info.title}, but the connection was refused: ${check.reason}`);
      const next = check.ok ? withEdge(withNode, from, to) : withNode;
      commitDoc(set, get, next, { also: { pendingConnection: null, selectedNodes: [node.id], selectedEdges: [] } });
      return node.id;
    },

    cancelConnection() {
      set({ pendingConnection: null });
    },

    deleteNodes,
    deleteEdges,

    deleteSelection() {
      const { selectedNodes, selectedEdges, doc } = get();
      const goneNodes = new Set(selectedNodes);
      const goneEdges = new Set(selectedEdges);
      const next = withoutNodes(doc, goneNodes);
      const edges = next.edges.filter((edge) => !goneEdges.has(edge.id));
      if (next.nodes.length === doc.nodes.length && edges.length === doc.edges.length) return;
      commitDoc(set, get, { ...next, edges }, { also: { selectedNodes: [], selectedEdges: [] } });
    },

    moveNodes(moves: readonly NodeMove[], gesture) {
      const { doc } = get();
      const byId = new Map(moves.map((move) => [move.id, move.position]));
      let changed = false;
      const nodes = doc.nodes.map((node) => {
        const position = byId.get(node.id);
        if (!position || (node.ui?.position.x === position.x && node.ui?.position.y === position.y)) return node;
        changed = true;
        return { ...node, ui: { ...node.ui, position: { x: position.x, y: position.y } } };
      });
      const coalesceKey = gesture ? `drag:${dragNumber}` : undefined;
      if (gesture === 'done') dragNumber++;
      if (changed) commitDoc(set, get, { ...doc, nodes }, { coalesceKey });
    },

    setConfigField(nodeId, path, value) {
      const next = mapNode(get().doc, nodeId, (node) => (Object.is(valueAt(node.config, path), value) ? node : { ...node, config: withValueAt(node.config, path, value) }));
      commitDoc(set, get, next, { coalesceKey: `config:${nodeId}:${path.join('.')}` });
    },

    resetConfigField(nodeId, path) {
      const { doc, catalogueByType } = get();
      const type = doc.nodes.find((node) => node.id === nodeId)?.type;
      const info = type === undefined ? undefined : catalogueByType.get(type);
      if (!info) return;
      const fallback = structuredClone(valueAt(info.defaults, path));
      const next = mapNode(doc, nodeId, (node) => (JSON.stringify(valueAt(node.config, path)) === JSON.stringify(fallback) ? node : { ...node, config: withValueAt(node.config, path, fallback) }));
      commitDoc(set, get, next);
    },

    setNodeTitle(nodeId, title) {
      const next = mapNode(get().doc, nodeId, (node) => {
        const trimmed = title.trim().slice(0, MAX_LABEL_LENGTH);
        if ((node.title ?? '') === trimmed) return node;
        const { title: _old, ...rest } = node;
        return trimmed === '' ? rest : { ...rest, title: trimmed };
      });
      commitDoc(set, get, next, { coalesceKey: `title:${nodeId}` });
    },

    setPipelineName(typed) {
      const { doc } = get();
      // Past the file format's limit the saved file would not open again.
      const name = typed.slice(0, MAX_LABEL_LENGTH);
      if (name.trim() === '' || name === doc.name) return;
      commitDoc(set, get, { ...doc, name }, { coalesceKey: 'pipeline-name' });
    },
  };
}

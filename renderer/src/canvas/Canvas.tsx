// The React Flow canvas: draws the store's pipeline, and turns what the user does (drag, connect, drop from the
// palette, drop a connection on empty space) into store actions. It holds no graph state of its own.
// Shift+click or Ctrl/Cmd+click adds a node to the selection; Shift+drag on empty space draws a selection box.
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, type DragEvent } from 'react';
import { createFlowViewBuilder, type StudioFlowEdge, type StudioFlowNode, type StudioNodeData } from '../graph/flow-view.ts';
import { useStudio, useStudioStore } from '../store/store-context.tsx';
import { NODE_TYPE_DRAG_FORMAT } from './drag-format.ts';
import { FIT_OPTIONS } from './fit-view.ts';
import { applySelectionChange, routeEdgeChanges, routeNodeChanges } from './flow-changes.ts';
import { StudioNode } from './StudioNode.tsx';

const nodeTypes = { studio: StudioNode };

function pointOf(event: MouseEvent | TouchEvent): { x: number; y: number } {
  const touch = 'changedTouches' in event ? event.changedTouches[0] : undefined;
  return touch ? { x: touch.clientX, y: touch.clientY } : { x: (event as MouseEvent).clientX, y: (event as MouseEvent).clientY };
}

export function Canvas() {
  const store = useStudioStore();
  const flow = useReactFlow<StudioFlowNode, StudioFlowEdge>();
  const builder = useRef(createFlowViewBuilder()).current;
  const doc = useStudio((state) => state.doc);
  const catalogueByType = useStudio((state) => state.catalogueByType);
  const selectedNodes = useStudio((state) => state.selectedNodes);
  const selectedEdges = useStudio((state) => state.selectedEdges);
  const measured = useStudio((state) => state.measured);
  const theme = useStudio((state) => state.theme);
  const documentEpoch = useStudio((state) => state.documentEpoch);
  const bottomOpen = useStudio((state) => state.bottomOpen);

  // A newly opened document is shown whole; waiting a frame lets React Flow measure the new nodes first.
  useEffect(() => {
    if (documentEpoch === 0) return;
    const frame = requestAnimationFrame(() => void flow.fitView(FIT_OPTIONS));
    return () => cancelAnimationFrame(frame);
  }, [documentEpoch, flow]);

  const view = useMemo(() => ({ selectedNodes: new Set(selectedNodes), selectedEdges: new Set(selectedEdges), measured }), [selectedNodes, selectedEdges, measured]);
  const nodes = useMemo(() => builder.buildNodes(doc, catalogueByType, view), [builder, doc, catalogueByType, view]);
  const edges = useMemo(() => builder.buildEdges(doc, catalogueByType, view), [builder, doc, catalogueByType, view]);

  const onNodesChange = useCallback((changes: NodeChange<StudioFlowNode>[]) => {
    const routed = routeNodeChanges(changes);
    const state = store.getState();
    if (Object.keys(routed.sizes).length > 0) state.setMeasured(routed.sizes);
    if (routed.moves.length > 0 || routed.gesture === 'done') state.moveNodes(routed.moves, routed.gesture);
    if (routed.selected.length + routed.deselected.length > 0) state.select({ nodes: applySelectionChange(state.selectedNodes, routed.selected, routed.deselected) });
    if (routed.removed.length > 0) state.deleteNodes(routed.removed);
  }, [store]);

  const onEdgesChange = useCallback((changes: EdgeChange<StudioFlowEdge>[]) => {
    const routed = routeEdgeChanges(changes);
    const state = store.getState();
    if (routed.selected.length + routed.deselected.length > 0) {
      state.select({ edges: applySelectionChange(state.selectedEdges, routed.selected, routed.deselected) });
    }
    if (routed.removed.length > 0) state.deleteEdges(routed.removed);
  }, [store]);

  const onConnect = useCallback((connection: Connection) => {
    if (!connection.sourceHandle || !connection.targetHandle) return;
    store.getState().connect({ node: connection.source, port: connection.sourceHandle }, { node: connection.target, port: connection.targetHandle });
  }, [store]);

  const onConnectEnd = useCallback((event: MouseEvent | TouchEvent, connection: FinalConnectionState) => {
    if (connection.toHandle || !connection.fromHandle?.id || !connection.fromNode) return;
    const draggedFrom = connection.fromHandle.type === 'source' ? 'output' : 'input';
    const data = connection.fromNode.data as StudioNodeData;
    const port = (draggedFrom === 'output' ? data.outputs : data.inputs).find((candidate) => candidate.name === connection.fromHandle!.id);
    if (!port || port.removed) return;
    const screen = pointOf(event);
    store.getState().offerConnection({ node: connection.fromNode.id, port: port.name, draggedFrom, portType: port.type, position: flow.screenToFlowPosition(screen), screen });
  }, [store, flow]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_TYPE_DRAG_FORMAT)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback((event: DragEvent) => {
    const type = event.dataTransfer.getData(NODE_TYPE_DRAG_FORMAT);
    if (!type) return;
    event.preventDefault();
    store.getState().addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  }, [store, flow]);

  return (
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<StudioFlowNode, StudioFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onPaneClick={() => store.getState().cancelConnection()}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        colorMode={theme}
        defaultViewport={{ x: 40, y: 40, zoom: 1 }}
        minZoom={0.1}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        {/* With the run panel open the canvas is short and the minimap would sit on the nodes; it comes back on close. */}
        {!bottomOpen && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

// The drag-and-drop data type that carries a node type from the palette to the canvas.
export const NODE_TYPE_DRAG_FORMAT = 'application/x-crucible-node-type';

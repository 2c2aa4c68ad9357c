// Sorts React Flow's change lists into store actions: moves (with the drag gesture they belong to), selection,
// measured sizes and removals. Pure, so what the canvas does with each change is tested without a browser.
import type { EdgeChange, NodeChange } from '@xyflow/react';
import type { Size } from '../graph/auto-layout.ts';
import type { NodeMove } from '../store/studio-state.ts';

export interface RoutedNodeChanges {
  moves: NodeMove[];
  /** 'dragging' while a drag goes on, 'done' on its last change, undefined for a plain move. */
  gesture: 'dragging' | 'done' | undefined;
  selected: string[];
  deselected: string[];
  sizes: Record<string, Size>;
  removed: string[];
}

export function routeNodeChanges(changes: readonly NodeChange[]): RoutedNodeChanges {
  const routed: RoutedNodeChanges = { moves: [], gesture: undefined, selected: [], deselected: [], sizes: {}, removed: [] };
  for (const change of changes) {
    switch (change.type) {
      case 'position':
        if (change.position) routed.moves.push({ id: change.id, position: { x: Math.round(change.position.x), y: Math.round(change.position.y) } });
        if (change.dragging === true) routed.gesture = 'dragging';
        else if (change.dragging === false && routed.gesture === undefined) routed.gesture = 'done';
        break;
      case 'select':
        (change.selected ? routed.selected : routed.deselected).push(change.id);
        break;
      case 'dimensions':
        if (change.dimensions) routed.sizes[change.id] = { width: change.dimensions.width, height: change.dimensions.height };
        break;
      case 'remove':
        routed.removed.push(change.id);
        break;
      default:
        break;
    }
  }
  return routed;
}

export function applySelectionChange(current: readonly string[], selected: readonly string[], deselected: readonly string[]): string[] {
  const gone = new Set(deselected);
  return [...new Set([...current.filter((id) => !gone.has(id)), ...selected])];
}

export function routeEdgeChanges(changes: readonly EdgeChange[]): { selected: string[]; deselected: string[]; removed: string[] } {
  const routed = { selected: [] as string[], deselected: [] as string[], removed: [] as string[] };
  for (const change of changes) {
    if (change.type === 'select') (change.selected ? routed.selected : routed.deselected).push(change.id);
    else if (change.type === 'remove') routed.removed.push(change.id);
  }
  return routed;
}

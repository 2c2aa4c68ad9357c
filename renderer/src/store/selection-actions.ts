// Store actions for selection and the clipboard: multi-select, copy, cut, paste and duplicate. Pasted nodes get
// fresh ids and land offset from the originals, each paste a little further, and become the selection.
import { extractSubgraph, pasteSubgraph, type Subgraph } from '../graph/subgraph.ts';
import { commitDoc, type GetState, type SetState } from './slice-tools.ts';
import type { EditorSlice } from './studio-state.ts';

const PASTE_OFFSET_PX = 40;

type SelectionActions = Pick<EditorSlice, 'select' | 'selectAll' | 'clearSelection' | 'copySelection' | 'cutSelection' | 'paste' | 'duplicateSelection'>;

function combine(current: readonly string[], chosen: readonly string[] | undefined, mode: 'replace' | 'add' | 'toggle'): string[] {
  if (chosen === undefined) return [...current];
  if (mode === 'replace') return [...new Set(chosen)];
  if (mode === 'add') return [...new Set([...current, ...chosen])];
  const toggled = new Set(current);
  for (const id of chosen) {
    if (toggled.has(id)) toggled.delete(id);
    else toggled.add(id);
  }
  return [...toggled];
}

export function createSelectionActions(set: SetState, get: GetState): SelectionActions {
  let pasteCount = 0;

  const copySelection = (): Subgraph | null => {
    const { doc, selectedNodes } = get();
    if (selectedNodes.length === 0) return null;
    const subgraph = extractSubgraph(doc, selectedNodes);
    pasteCount = 0;
    set({ clipboard: subgraph });
    return subgraph;
  };

  const pasteAt = (subgraph: Subgraph, steps: number): string[] => {
    const offset = { x: PASTE_OFFSET_PX * steps, y: PASTE_OFFSET_PX * steps };
    const result = pasteSubgraph(get().doc, subgraph, offset);
    commitDoc(set, get, result.pipeline, { also: { selectedNodes: result.nodeIds, selectedEdges: result.edgeIds } });
    return result.nodeIds;
  };

  return {
    select(selection, mode = 'replace') {
      const { selectedNodes, selectedEdges } = get();
      set({ selectedNodes: combine(selectedNodes, selection.nodes, mode), selectedEdges: combine(selectedEdges, selection.edges, mode) });
    },

    selectAll() {
      const { doc } = get();
      set({ selectedNodes: doc.nodes.map((node) => node.id), selectedEdges: doc.edges.map((edge) => edge.id) });
    },

    clearSelection() {
      set({ selectedNodes: [], selectedEdges: [] });
    },

    copySelection,

    cutSelection() {
      const copied = copySelection();
      if (copied) get().deleteSelection();
      return copied;
    },

    paste(subgraph) {
      const source = subgraph ?? get().clipboard;
      if (!source || source.nodes.length === 0) return [];
      pasteCount++;
      return pasteAt(source, pasteCount);
    },

    duplicateSelection() {
      const { doc, selectedNodes } = get();
      if (selectedNodes.length === 0) return [];
      return pasteAt(extractSubgraph(doc, selectedNodes), 1);
    },
  };
}

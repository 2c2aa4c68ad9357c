// Store actions on the document as a whole: undo/redo, auto-layout, new, open (with the "needs attention" state
// for files that are not what this studio would write) and save (the canonical serialization from app/).
import { readPipelineJson, readPipelineText, type PipelineDocument } from '../../../app/pipeline/document.ts';
import { emptyPipeline, type Pipeline } from '../../../app/pipeline/schema.ts';
import { serializePipeline } from '../../../app/pipeline/serialize.ts';
import { attentionOf, type Attention } from '../graph/attention.ts';
import { layoutPositions } from '../graph/auto-layout.ts';
import { emptyHistory, redoStep, undoStep } from './history.ts';
import { samePipelineGraph } from './run-documents.ts';
import { commitDoc, type GetState, type SetState } from './slice-tools.ts';
import type { EditorSlice } from './studio-state.ts';

type DocumentActions = Pick<EditorSlice, 'undo' | 'redo' | 'autoLayout' | 'newPipeline' | 'openText' | 'openJson' | 'openRunGraph' | 'saveText' | 'markSaved' | 'dismissAttention'>;

/** Selection that still points at something after the document changed under it. */
function keptSelection(doc: Pipeline, nodes: readonly string[], edges: readonly string[]) {
  const nodeIds = new Set(doc.nodes.map((node) => node.id));
  const edgeIds = new Set(doc.edges.map((edge) => edge.id));
  return { selectedNodes: nodes.filter((id) => nodeIds.has(id)), selectedEdges: edges.filter((id) => edgeIds.has(id)) };
}

/** The shown run stays shown on a new document only when that document is the graph the run ran. */
function shownRunFor(doc: Pipeline, get: GetState): string | null {
  const { shownRunId, runPipelines } = get();
  return shownRunId && samePipelineGraph(doc, runPipelines[shownRunId]) ? shownRunId : null;
}

function fileNameOfPath(filePath: string | null): string | null {
  return filePath?.split(/[\\/]/).at(-1) || null;
}

function nameFromFile(fileName: string | null): string {
  return fileName?.replace(/\.crucible\.json$|\.json$/i, '') || 'Untitled pipeline';
}

export function createDocumentActions(set: SetState, get: GetState): DocumentActions {
  const travel = (step: typeof undoStep) => {
    const { history, doc, selectedNodes, selectedEdges } = get();
    const result = step(history, doc);
    if (!result) return false;
    set({ doc: result.value, history: result.history, pendingConnection: null, ...keptSelection(result.value, selectedNodes, selectedEdges) });
    return true;
  };

  const openDocument = (document: PipelineDocument, fileName: string | null, filePath: string | null = null): Attention | null => {
    const attention = attentionOf(document, fileName);
    const doc = document.pipeline ?? emptyPipeline(nameFromFile(fileName));
    // A migrated file differs from what is on disk, so it opens dirty; an unreadable one opens empty but clean.
    const savedDoc = document.migratedFrom !== undefined && document.pipeline ? null : doc;
    set({ doc, savedDoc, fileName, filePath, attention, history: emptyHistory(), selectedNodes: [], selectedEdges: [], measured: {}, pendingConnection: null, documentEpoch: get().documentEpoch + 1, shownRunId: shownRunFor(doc, get) });
    // A file from someone else may point anywhere on this machine: the engine says where, before anything runs.
    if (document.pipeline) void get().checkOnEngine();
    return attention;
  };

  return {
    undo: () => travel(undoStep),
    redo: () => travel(redoStep),

    autoLayout() {
      const { doc, measured } = get();
      if (doc.nodes.length === 0) return;
      const positions = layoutPositions(doc, measured);
      const nodes = doc.nodes.map((node) => {
        const position = positions[node.id];
        return position ? { ...node, ui: { ...node.ui, position } } : node;
      });
      commitDoc(set, get, { ...doc, nodes });
    },

    newPipeline() {
      const doc = emptyPipeline();
      set({ doc, savedDoc: doc, fileName: null, filePath: null, attention: null, history: emptyHistory(), selectedNodes: [], selectedEdges: [], measured: {}, pendingConnection: null, documentEpoch: get().documentEpoch + 1, shownRunId: null });
    },

    openRunGraph(pipeline, pipelinePath) {
      // Unsaved: the file may have changed since the run, so saving is the user's choice, never assumed done.
      const fileName = fileNameOfPath(pipelinePath);
      set({ doc: pipeline, savedDoc: null, fileName, filePath: pipelinePath, attention: null, history: emptyHistory(), selectedNodes: [], selectedEdges: [], measured: {}, pendingConnection: null, documentEpoch: get().documentEpoch + 1, shownRunId: shownRunFor(pipeline, get) });
    },

    openText: (text, fileName, filePath) => openDocument(readPipelineText(text, get().registry), fileName, filePath ?? null),
    openJson: (raw, fileName) => openDocument(readPipelineJson(raw, get().registry), fileName),

    saveText(options = {}) {
      const { doc, attention } = get();
      if (attention?.blocking && !options.asNewFile) {
        return { ok: false, message: `${attention.fileName ?? 'This file'} could not be read, so saving over it is refused; use Save As to write a new file` };
      }
      try {
        return { ok: true, text: serializePipeline(doc), doc };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    },

    markSaved(fileName, savedDoc, filePath = null) {
      const { attention } = get();
      const remaining = attention && attention.problems.length > 0 && !attention.blocking ? { ...attention, migratedFrom: undefined, fileName } : null;
      set({ savedDoc, fileName, filePath, attention: remaining });
    },

    dismissAttention() {
      set({ attention: null });
    },
  };
}

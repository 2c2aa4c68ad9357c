// Creates the studio's one zustand store from its parts. The registry and catalogue are passed in (never globals)
// so tests build a store from fixture specs; the engine client is attached later, once a token is known.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import { emptyPipeline } from '../../../app/pipeline/schema.ts';
import { createDocumentActions } from './document-actions.ts';
import { createGraphActions } from './graph-actions.ts';
import { emptyHistory } from './history.ts';
import { createRunActions } from './run-actions.ts';
import { createSelectionActions } from './selection-actions.ts';
import type { StudioState } from './studio-state.ts';
import { createUiActions } from './ui-actions.ts';

export interface StudioDeps {
  registry: NodeRegistry;
  /** The node-type catalogue to start with; the engine's replaces it once connected. */
  catalogue: NodeTypeInfo[];
  theme?: 'light' | 'dark';
}

export type StudioStore = StoreApi<StudioState>;

export function createStudioStore(deps: StudioDeps): StudioStore {
  const doc = emptyPipeline();
  return createStore<StudioState>()((set, get) => ({
    registry: deps.registry,
    catalogue: deps.catalogue,
    catalogueByType: new Map(deps.catalogue.map((info) => [info.type, info])),
    doc,
    savedDoc: doc,
    fileName: null,
    filePath: null,
    history: emptyHistory(),
    selectedNodes: [],
    selectedEdges: [],
    measured: {},
    clipboard: null,
    attention: null,
    pendingConnection: null,
    documentEpoch: 0,
    setCatalogue: (catalogue) => set({ catalogue, catalogueByType: new Map(catalogue.map((info) => [info.type, info])) }),
    setMeasured: (sizes) => set({ measured: { ...get().measured, ...sizes } }),
    ...createGraphActions(set, get),
    ...createSelectionActions(set, get),
    ...createDocumentActions(set, get),

    engine: null,
    connection: 'offline',
    connectionDetail: null,
    runs: {},
    shownRunId: null,
    runHistory: [],
    services: [],
    logNode: null,
    ...createRunActions(set, get),

    notice: null,
    overlay: null,
    theme: deps.theme ?? 'dark',
    bottomTab: 'timeline',
    bottomOpen: false,
    ...createUiActions(set, get),
  }));
}

// Creates the studio's one zustand store from its parts. The registry and catalogue are passed in (never globals)
// so tests build a store from fixture specs; the engine client is attached later, once a token is known.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import { emptyPipeline } from '../../../app/pipeline/schema.ts';
import type { EngineApi } from '../api/engine-client.ts';
import { createEndpointClient } from '../serving/endpoint-client.ts';
import { EMPTY_KEY_DRAFT } from '../serving/key-draft.ts';
import { createDocumentActions } from './document-actions.ts';
import { createGraphActions } from './graph-actions.ts';
import { emptyHistory } from './history.ts';
import { createPlaygroundActions, INITIAL_PLAYGROUND } from './playground-actions.ts';
import { createRunActions } from './run-actions.ts';
import { createSelectionActions } from './selection-actions.ts';
import { createServingActions, defaultUsageSince } from './serving-actions.ts';
import { createServiceControlActions } from './service-control-actions.ts';
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
    machineCheck: null,
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
    runPipelines: {},
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

    endpointClient: createEndpointClient({ fetchFromService: (serviceId, endpointPath, init) => attachedEngine(get).fetchFromService(serviceId, endpointPath, init) }),
    servingTab: 'endpoints',
    health: {},
    apiKeys: [],
    keyDraft: EMPTY_KEY_DRAFT,
    editingKeyName: null,
    keyDraftProblem: null,
    createdKey: null,
    usage: null,
    usageFilter: { key: '', since: defaultUsageSince() },
    usageMetric: 'cost',
    ...createServingActions(set, get),
    serviceControls: {},
    ...createServiceControlActions(set, get),
    playground: INITIAL_PLAYGROUND,
    ...createPlaygroundActions(set, get),
  }));
}

/** Endpoints are called through the engine; before one is attached, the call fails with what to do. */
function attachedEngine(get: () => StudioState): EngineApi {
  const engine = get().engine;
  if (!engine) throw new Error('not connected to an engine; run "crucible studio" and open the link it prints');
  return engine;
}

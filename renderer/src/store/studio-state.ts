// The shape of the studio's one store: the pipeline being edited with its undo history and view state, the runs
// and services the engine reports, and UI state (notices, theme, panels). Actions live beside their slice.
import type { ConnectionCheck } from '../../../app/graph/connect.ts';
import type { ValidationProblem } from '../../../app/graph/problems.ts';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import type { RunListItem } from '../../../app/protocol/engine-api.ts';
import type { ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { Pipeline, PortRef } from '../../../app/pipeline/schema.ts';
import type { EngineApi } from '../api/engine-client.ts';
import type { StreamStatus } from '../api/reconnecting-stream.ts';
import type { Attention } from '../graph/attention.ts';
import type { Size } from '../graph/auto-layout.ts';
import type { CompatibleChoice } from '../graph/compatible.ts';
import type { ConfigPath } from '../graph/config-path.ts';
import type { Subgraph } from '../graph/subgraph.ts';
import type { History } from './history.ts';
import type { PlaygroundSlice, ServingSlice } from './serving-state.ts';
import type { ServiceControlSlice } from './service-control-actions.ts';
import type { RunView } from '../run/run-view.ts';

export interface XY {
  x: number;
  y: number;
}

export interface NodeMove {
  id: string;
  position: XY;
}

/** A connection dragged from a port and dropped on empty canvas, waiting for the user to pick a node type. */
export interface PendingConnection {
  node: string;
  port: string;
  /** Which end the user dragged from. */
  draggedFrom: 'output' | 'input';
  portType: string;
  /** Where the new node goes, in canvas coordinates. */
  position: XY;
  /** Where the menu shows, in screen pixels. */
  screen: XY;
  choices: CompatibleChoice[];
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

/** `doc` is the exact document the text was made from, to hand back to `markSaved` once the write succeeded. */
export type SaveResult = { ok: true; text: string; doc: Pipeline } | { ok: false; message: string };

export interface EditorSlice {
  registry: NodeRegistry;
  catalogue: NodeTypeInfo[];
  catalogueByType: ReadonlyMap<string, NodeTypeInfo>;
  doc: Pipeline;
  /** The document as last opened or saved; dirty while `doc` is another object (null: never saved in this form). */
  savedDoc: Pipeline | null;
  fileName: string | null;
  /** Absolute path of the file, where the host knows it (the desktop app); relative paths in the pipeline resolve against it. */
  filePath: string | null;
  history: History<Pipeline>;
  selectedNodes: string[];
  selectedEdges: string[];
  measured: Record<string, Size>;
  clipboard: Subgraph | null;
  attention: Attention | null;
  pendingConnection: PendingConnection | null;
  /** Counts documents opened or started in this tab, so the canvas fits its view to each new one. */
  documentEpoch: number;
  /**
   * What the engine's checks on its machine found for `doc` (sources in secret locations or outside the pipeline's
   * folder), which the browser cannot check. Shown while the document is that object; checked on open and on Run.
   */
  machineCheck: { doc: Pipeline; problems: ValidationProblem[] } | null;

  setCatalogue(catalogue: NodeTypeInfo[]): void;
  addNode(type: string, position?: XY): string | null;
  connect(from: PortRef, to: PortRef): ConnectionCheck;
  offerConnection(pending: Omit<PendingConnection, 'choices'>): void;
  completeConnection(type: string): string | null;
  cancelConnection(): void;
  deleteNodes(ids: readonly string[]): void;
  deleteEdges(ids: readonly string[]): void;
  deleteSelection(): void;
  moveNodes(moves: readonly NodeMove[], gesture?: 'dragging' | 'done'): void;
  setConfigField(nodeId: string, path: ConfigPath, value: unknown): void;
  resetConfigField(nodeId: string, path: ConfigPath): void;
  setNodeTitle(nodeId: string, title: string): void;
  setPipelineName(name: string): void;
  setMeasured(sizes: Record<string, Size>): void;

  /** A list left out keeps its current selection; `replace` with `[]` clears it. */
  select(selection: { nodes?: readonly string[]; edges?: readonly string[] }, mode?: 'replace' | 'add' | 'toggle'): void;
  selectAll(): void;
  clearSelection(): void;
  copySelection(): Subgraph | null;
  cutSelection(): Subgraph | null;
  paste(subgraph?: Subgraph): string[];
  duplicateSelection(): string[];

  undo(): boolean;
  redo(): boolean;
  autoLayout(): void;
  newPipeline(): void;
  openText(text: string, fileName: string | null, filePath?: string | null): Attention | null;
  openJson(raw: unknown, fileName: string | null): Attention | null;
  /** Puts the graph a past run ran on the canvas, unsaved (History › Open); `pipelinePath` is the run's file. */
  openRunGraph(pipeline: Pipeline, pipelinePath: string | null): void;
  saveText(options?: { asNewFile?: boolean }): SaveResult;
  markSaved(fileName: string | null, savedDoc: Pipeline, filePath?: string | null): void;
  dismissAttention(): void;
}

export type BottomTab = 'timeline' | 'charts' | 'samples' | 'logs' | 'artifacts' | 'history' | 'compare' | 'serving';

export interface RunSlice {
  engine: EngineApi | null;
  connection: StreamStatus | 'offline';
  connectionDetail: string | null;
  /** Runs this tab knows about, live and reopened. */
  runs: Record<string, RunView>;
  /** The run whose states the canvas shows. */
  shownRunId: string | null;
  /**
   * The pipeline each known run ran, as the engine stored it. A node shows a run's state only when that run's
   * pipeline has the node (same id and type), so state never leaks onto another document or a node added since.
   */
  runPipelines: Record<string, Pipeline>;
  runHistory: RunListItem[];
  services: ServiceInfo[];
  logNode: string | null;

  attachEngine(engine: EngineApi | null): () => void;
  receiveEngineMessage(message: unknown): void;
  /** Asks the engine to check the document's sources on its machine; a failed call finds nothing (the run checks again). */
  checkOnEngine(): Promise<ValidationProblem[]>;
  startRun(targets?: string[]): Promise<string | null>;
  runToSelected(): Promise<string | null>;
  stopRun(): Promise<void>;
  refreshHistory(): Promise<void>;
  /** Shows a past run: its states, charts and logs, and its graph (the pipeline it ran) on the canvas. */
  openPastRun(runId: string): Promise<void>;
  /** Reads a run into `runs` without showing it (the run that made a cached node's outputs); null when it cannot. */
  loadRun(runId: string): Promise<RunView | null>;
  refreshServices(): Promise<void>;
  showLogsFor(nodeId: string | null): void;
}

export type Overlay = { kind: 'shortcuts'; title: string } | { kind: 'text'; title: string; text: string };

export interface UiSlice {
  notice: Notice | null;
  /** A dialog over the studio: the shortcut list, the engine log, About. */
  overlay: Overlay | null;
  showOverlay(overlay: Overlay): void;
  closeOverlay(): void;
  theme: 'light' | 'dark';
  bottomTab: BottomTab;
  bottomOpen: boolean;
  notify(kind: Notice['kind'], message: string): void;
  dismissNotice(): void;
  setTheme(theme: 'light' | 'dark'): void;
  toggleTheme(): void;
  showBottomTab(tab: BottomTab): void;
  toggleBottomPanel(): void;
}

export type StudioState = EditorSlice & RunSlice & UiSlice & ServingSlice & ServiceControlSlice & PlaygroundSlice;

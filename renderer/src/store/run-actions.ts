// Store actions that talk to the engine: the live event stream (with reconnect), Run / Run to selected / Stop,
// run history and reopening past runs, and the list of services. The fold of events into state is run/run-view.ts.
import { errorsOf, MACHINE_CHECK_CODES, type ProblemCode } from '../../../app/graph/problems.ts';
import { upstreamClosure } from '../../../app/graph/topology.ts';
import type { LogLine, RunDetail } from '../../../app/protocol/engine-api.ts';
import type { RunEvent, ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { Pipeline } from '../../../app/pipeline/schema.ts';
import type { EngineApi } from '../api/engine-client.ts';
import { applyRunEvent, runViewFromDetail, runViewFromSnapshot, seriesFromPoints, type LogEntry, type RunSnapshotWire, type RunView } from '../run/run-view.ts';
import { samePipelineGraph } from './run-documents.ts';
import { describeEngineError, describeProblems, withEngine as callEngine } from './engine-call.ts';
import type { GetState, SetState } from './slice-tools.ts';
import type { RunSlice } from './studio-state.ts';

type RunActions = Omit<RunSlice, 'engine' | 'connection' | 'connectionDetail' | 'runs' | 'shownRunId' | 'runPipelines' | 'runHistory' | 'services' | 'logNode'>;

type EngineMessage =
  | { type: 'snapshot'; runs: RunSnapshotWire[]; services: ServiceInfo[] }
  | { type: 'service.stopped'; at: string; service: ServiceInfo }
  | RunEvent;

function isEngineMessage(message: unknown): message is EngineMessage {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}

const MACHINE_CODES: ReadonlySet<ProblemCode> = new Set(MACHINE_CHECK_CODES);

function upsertService(services: readonly ServiceInfo[], service: ServiceInfo): ServiceInfo[] {
  const others = services.filter((existing) => existing.id !== service.id);
  return [...others, service];
}

export function createRunActions(set: SetState, get: GetState): RunActions {
  const withEngine = <T>(what: string, call: (engine: EngineApi) => Promise<T>) => callEngine(get, what, call);

  /** The first pipeline learned for a run stays: the document a run started from here is that run's graph. */
  const pipelinesWith = (runId: string, pipeline: Pipeline) => (get().runPipelines[runId] ? get().runPipelines : { ...get().runPipelines, [runId]: pipeline });
  const rememberPipeline = (runId: string, pipeline: Pipeline) => {
    const runPipelines = pipelinesWith(runId, pipeline);
    if (runPipelines !== get().runPipelines) set({ runPipelines });
  };
  /** Runs being read by loadRun: a second caller waits for the same read. */
  const loading = new Map<string, Promise<RunView | null>>();

  /**
   * After a reconnect or a reload, the stream's snapshot has only recent lines and no chart points: the engine's
   * store fills in the series, the log lines and the pipeline the run ran.
   */
  const refill = async (runId: string, withLogs: boolean) => {
    const engine = get().engine;
    if (!engine) return;
    const [detail, logLines] = await Promise.all([engine.getRun(runId).catch(() => null), withLogs ? engine.runLogs(runId).catch(() => null) : null]);
    const view = get().runs[runId];
    if (!detail || !view) return;
    rememberPipeline(runId, detail.pipeline);
    const logs = logLines ? mergedLogs(logLines, view.logs) : view.logs;
    const refreshed = detail.run.status === 'running' ? { ...view, series: mergedSeries(seriesFromPoints(detail.metrics), view.series), logs } : { ...runViewFromDetail(detail, []), logs };
    set({ runs: { ...get().runs, [runId]: refreshed } });
  };

  const receiveSnapshot = (message: Extract<EngineMessage, { type: 'snapshot' }>) => {
    const runs = { ...get().runs };
    const active = new Set<string>();
    for (const snapshot of message.runs) {
      active.add(snapshot.runId);
      const known = runs[snapshot.runId];
      runs[snapshot.runId] = runViewFromSnapshot(snapshot, known);
      void refill(snapshot.runId, !known);
    }
    // A run we were watching that finished while the stream was down: read its final state from the store.
    for (const view of Object.values(runs)) if (view.status === 'running' && !active.has(view.runId)) void refill(view.runId, false);
    set({ runs, services: message.services });
    // The shown run (a draft restored after a reload names it) that ended before the stream came back.
    const shown = get().shownRunId;
    if (shown && !runs[shown]) void get().loadRun(shown);
  };

  const loadDetail = async (engine: EngineApi, runId: string): Promise<{ detail: RunDetail; view: RunView }> => {
    const [detail, logs] = await Promise.all([engine.getRun(runId), engine.runLogs(runId)]);
    return { detail, view: runViewFromDetail(detail, logs) };
  };

  return {
    attachEngine(engine) {
      set({ engine, connection: engine ? 'connecting' : 'offline', connectionDetail: null });
      if (!engine) return () => undefined;
      void engine.nodeTypes().then((catalogue) => get().setCatalogue(catalogue), (error) => get().notify('error', `Cannot load the node catalogue: ${describeEngineError(error)}`));
      void get().refreshHistory();
      return engine.streamEvents(
        (message) => get().receiveEngineMessage(message),
        (status, detail) => set({ connection: status, connectionDetail: detail ?? null }),
      );
    },

    receiveEngineMessage(message) {
      if (!isEngineMessage(message)) return;
      if (message.type === 'snapshot') return receiveSnapshot(message);
      if (message.type === 'service.stopped') return set({ services: upsertService(get().services, message.service) });
      if (message.type === 'service.started') set({ services: upsertService(get().services, message.service) });
      const runs = get().runs;
      const next = applyRunEvent(runs[message.runId], message);
      if (next && next !== runs[message.runId]) set({ runs: { ...runs, [message.runId]: next } });
      if (message.type === 'run.finished') void get().refreshHistory();
    },

    async checkOnEngine() {
      const { engine, doc, filePath } = get();
      if (!engine) return [];
      const checked = await engine.validate({ pipeline: doc, pipelinePath: filePath }).catch(() => null);
      const problems = (checked?.problems ?? []).filter((problem) => MACHINE_CODES.has(problem.code));
      if (get().doc === doc) set({ machineCheck: { doc, problems } });
      return problems;
    },

    async startRun(targets = []) {
      const { doc, filePath, notify } = get();
      // Refused here, the problem shows beside its field before a run exists; the engine refuses it the same way.
      const needed = targets.length > 0 ? upstreamClosure(doc, targets) : null;
      const found = (await get().checkOnEngine()).filter((problem) => needed === null || problem.node === null || needed.has(problem.node));
      const errors = errorsOf(found);
      if (errors.length > 0) {
        notify('error', `Cannot start the run: ${describeProblems(errors)}`);
        return null;
      }
      const started = await withEngine('start the run', (engine) => engine.startRun({ pipeline: doc, pipelinePath: filePath, targets }));
      if (!started) return null;
      set({ shownRunId: started.runId, runPipelines: { ...get().runPipelines, [started.runId]: doc }, bottomOpen: true, bottomTab: 'timeline' });
      if (found.length > 0) notify('info', `The run started with ${found.length} warning${found.length === 1 ? '' : 's'}: ${describeProblems(found)}`);
      return started.runId;
    },

    async runToSelected() {
      const { selectedNodes, notify, startRun } = get();
      if (selectedNodes.length === 0) {
        notify('info', 'Select the node to run up to, then choose Run to selected');
        return null;
      }
      return startRun(selectedNodes);
    },

    async stopRun() {
      const { shownRunId, runs, notify } = get();
      const run = shownRunId ? runs[shownRunId] : undefined;
      if (!run || run.status !== 'running') {
        notify('info', 'No run is in progress');
        return;
      }
      await withEngine('stop the run', (engine) => engine.cancelRun(run.runId));
    },

    async refreshHistory() {
      const engine = get().engine;
      if (!engine) return;
      const history = await engine.listRuns().catch(() => null);
      if (history) set({ runHistory: history });
    },

    async openPastRun(runId) {
      const loaded = await withEngine('open the run', (engine) => loadDetail(engine, runId));
      if (!loaded) return;
      const { detail, view } = loaded;
      const { doc } = get();
      // The canvas shows the graph the run ran; the document stays when it is that graph (positions aside).
      const graph = samePipelineGraph(doc, detail.pipeline) ? doc : detail.pipeline;
      if (graph !== doc) get().openRunGraph(detail.pipeline, detail.run.pipelinePath);
      set({ runs: { ...get().runs, [runId]: view }, runPipelines: { ...get().runPipelines, [runId]: graph }, shownRunId: runId, bottomOpen: true, bottomTab: 'charts' });
    },

    loadRun(runId) {
      const engine = get().engine;
      if (!engine) return Promise.resolve(null);
      const inFlight = loading.get(runId);
      if (inFlight) return inFlight;
      const read = loadDetail(engine, runId)
        .then(
          ({ detail, view: stored }) => {
            // A live run's view (from the stream) is fresher than the stored one.
            const view = get().runs[runId] ?? stored;
            set({ runs: { ...get().runs, [runId]: view }, runPipelines: pipelinesWith(runId, detail.pipeline) });
            return view;
          },
          () => null,
        )
        .finally(() => loading.delete(runId));
      loading.set(runId, read);
      return read;
    },

    async refreshServices() {
      const services = await withEngine('list the services', (engine) => engine.services());
      if (services) set({ services });
    },

    showLogsFor(nodeId) {
      set({ logNode: nodeId, bottomOpen: true, bottomTab: 'logs' });
    },
  };
}

/** The stored points of each series, then the live ones past its last stored step (they arrived while it was read). */
function mergedSeries(stored: RunView['series'], live: RunView['series']): RunView['series'] {
  const series: RunView['series'] = { ...stored };
  for (const [node, byName] of Object.entries(live)) {
    const merged = { ...series[node] };
    for (const [name, points] of Object.entries(byName)) {
      const base = merged[name] ?? { steps: [], values: [] };
      const lastStep = base.steps.at(-1) ?? -Infinity;
      const after = points.steps.flatMap((step, index) => (step > lastStep ? [index] : []));
      merged[name] = { steps: [...base.steps, ...after.map((index) => points.steps[index]!)], values: [...base.values, ...after.map((index) => points.values[index]!)] };
    }
    series[node] = merged;
  }
  return series;
}

/**
 * The stored lines of each node, then the live ones the store did not have yet (they arrived while it was read).
 * A live line older than the last stored one is in the store already. Lines in the last stored millisecond are
 * matched one for one against the stored lines of that millisecond (level and text): a node may print several
 * lines, even the same line twice, within one millisecond, so only as many copies as the store holds are dropped.
 */
function mergedLogs(stored: readonly LogLine[], live: Record<string, LogEntry[]>): Record<string, LogEntry[]> {
  const logs: Record<string, LogEntry[]> = {};
  for (const line of stored) (logs[line.node] ??= []).push({ level: line.level, line: line.line, at: line.at });
  for (const [node, entries] of Object.entries(live)) {
    const kept = logs[node] ?? [];
    const lastStoredAt = kept.at(-1)?.at ?? '';
    const storedInLastMs = countByContent(kept.filter((entry) => entry.at === lastStoredAt));
    const unseen = entries.filter((entry) => {
      if (entry.at !== lastStoredAt) return entry.at > lastStoredAt;
      const key = contentKey(entry);
      const copies = storedInLastMs.get(key) ?? 0;
      if (copies > 0) storedInLastMs.set(key, copies - 1);
      return copies === 0;
    });
    logs[node] = [...kept, ...unseen];
  }
  return logs;
}

const contentKey = (entry: LogEntry) => `${entry.level}\n${entry.line}`;

function countByContent(entries: readonly LogEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(contentKey(entry), (counts.get(contentKey(entry)) ?? 0) + 1);
  return counts;
}

// Store actions that talk to the engine: the live event stream (with reconnect), Run / Run to selected / Stop,
// run history and reopening past runs, and the list of services. The fold of events into state is run/run-view.ts.
import { errorsOf, MACHINE_CHECK_CODES, type ProblemCode } from '../../../app/graph/problems.ts';
import { upstreamClosure } from '../../../app/graph/topology.ts';
import type { RunEvent, ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { EngineApi } from '../api/engine-client.ts';
import { applyRunEvent, runViewFromDetail, runViewFromSnapshot, seriesFromPoints, type RunSnapshotWire } from '../run/run-view.ts';
import { describeEngineError, describeProblems, withEngine as callEngine } from './engine-call.ts';
import type { GetState, SetState } from './slice-tools.ts';
import type { RunSlice } from './studio-state.ts';

type RunActions = Omit<RunSlice, 'engine' | 'connection' | 'connectionDetail' | 'runs' | 'shownRunId' | 'runHistory' | 'services' | 'logNode'>;

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

  /** After a reconnect, charts may have missed points: the engine's stored series fills them in. */
  const refillSeries = async (runId: string) => {
    const detail = await get().engine?.getRun(runId).catch(() => null);
    const view = get().runs[runId];
    if (!detail || !view) return;
    const refreshed = detail.run.status === 'running' ? { ...view, series: seriesFromPoints(detail.metrics) } : { ...runViewFromDetail(detail, []), logs: view.logs };
    set({ runs: { ...get().runs, [runId]: refreshed } });
  };

  const receiveSnapshot = (message: Extract<EngineMessage, { type: 'snapshot' }>) => {
    const runs = { ...get().runs };
    const active = new Set<string>();
    for (const snapshot of message.runs) {
      active.add(snapshot.runId);
      const known = runs[snapshot.runId];
      runs[snapshot.runId] = runViewFromSnapshot(snapshot, known);
      if (known) void refillSeries(snapshot.runId);
    }
    // A run we were watching that finished while the stream was down: read its final state from the store.
    for (const view of Object.values(runs)) if (view.status === 'running' && !active.has(view.runId)) void refillSeries(view.runId);
    set({ runs, services: message.services });
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
      set({ shownRunId: started.runId, bottomOpen: true, bottomTab: 'timeline' });
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
      const loaded = await withEngine('open the run', async (engine) => {
        const [detail, logs] = await Promise.all([engine.getRun(runId), engine.runLogs(runId)]);
        return runViewFromDetail(detail, logs);
      });
      if (loaded) set({ runs: { ...get().runs, [runId]: loaded }, shownRunId: runId, bottomOpen: true, bottomTab: 'charts' });
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

// Wires an Executor to fixture node types over a data directory, collecting every event, for tests and the
// kill-mid-write child script. It plans runs as the engine does, with the fixtures' registry.
import type { EngineEvent, RunEvent } from '../../../app/protocol/run-events.ts';
import { capabilitiesForTest } from '../../../nodes/testing/capabilities.ts';
import { openArtifactStore, type ArtifactStore } from '../../artifacts/artifact-store.ts';
import { ServiceRegistry } from '../../services/service-registry.ts';
import { CacheHistory } from '../cache-history.ts';
import { Executor, type RunFinishedEvent, type StartedRun } from '../executor.ts';
import { planRun, type PlanRequest } from '../plan.ts';
import { newRunId } from '../run-id.ts';
import { createFixtures, type Fixtures } from './fixture-nodes.ts';

/** A run of a fixture pipeline; unsaved (no folder) and with the pipeline id "test-pipeline" unless given. */
export type TestRunRequest = Omit<PlanRequest, 'registry' | 'pipelineDir'> & { pipelineDir?: string | null; pipelineId?: string };

export interface TestEngine extends Fixtures {
  executor: Executor;
  artifacts: ArtifactStore;
  services: ServiceRegistry;
  events: RunEvent[];
  engineEvents: EngineEvent[];
  /** Plans and starts a run; throws, as the engine does, when planning refuses it. */
  start(request: TestRunRequest): StartedRun;
  /** Starts a run and waits for it to finish. */
  run(request: TestRunRequest): Promise<RunFinishedEvent>;
}

export interface TestEngineOptions {
  maxParallelNodes?: number;
  cancelGraceMs?: number;
  sourceVersion?: number;
  onEvent?: (event: RunEvent) => void;
}

export async function createTestEngine(dataDir: string, options: TestEngineOptions = {}): Promise<TestEngine> {
  const fixtures = createFixtures({ sourceVersion: options.sourceVersion });
  const artifacts = await openArtifactStore(dataDir);
  const events: RunEvent[] = [];
  const engineEvents: EngineEvent[] = [];
  const services = new ServiceRegistry({ onStopped: (event) => engineEvents.push(event) });
  const executor = new Executor({
    runModules: fixtures.runModules,
    artifacts,
    history: new CacheHistory(dataDir),
    services,
    capabilities: capabilitiesForTest(),
    dataDir,
    maxParallelNodes: options.maxParallelNodes,
    cancelGraceMs: options.cancelGraceMs,
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  const start: TestEngine['start'] = ({ pipelineId = 'test-pipeline', pipelineDir = null, ...request }) => {
    const plan = planRun({ ...request, pipelineDir, registry: fixtures.registry });
    return executor.start({ runId: newRunId(), pipelineId, plan });
  };
  const run: TestEngine['run'] = (request) => start(request).done;
  return { ...fixtures, executor, artifacts, services, events, engineEvents, start, run };
}

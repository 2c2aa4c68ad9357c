// Wires an Executor to fixture node types over a data directory, collecting every event, for tests and the
// kill-mid-write child script. Nothing here is used by the real engine.
import type { EngineEvent, RunEvent } from '../../app/protocol/run-events.ts';
import { openArtifactStore, type ArtifactStore } from '../artifacts/artifact-store.ts';
import { ServiceRegistry } from '../services/service-registry.ts';
import { CacheHistory } from './cache-history.ts';
import { Executor, type RunFinishedEvent, type RunRequest } from './executor.ts';
import { createFixtures, type Fixtures } from './test-fixtures.ts';

export interface TestEngine extends Fixtures {
  executor: Executor;
  artifacts: ArtifactStore;
  services: ServiceRegistry;
  events: RunEvent[];
  engineEvents: EngineEvent[];
  /** Starts a run of the fixture pipeline and waits for it to finish. */
  run(request: Omit<RunRequest, 'pipelineDir' | 'pipelineId'> & Partial<Pick<RunRequest, 'pipelineDir' | 'pipelineId'>>): Promise<RunFinishedEvent>;
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
    registry: fixtures.registry,
    runModules: fixtures.runModules,
    artifacts,
    history: new CacheHistory(dataDir),
    services,
    nodeServices: { fixture: true },
    dataDir,
    maxParallelNodes: options.maxParallelNodes,
    cancelGraceMs: options.cancelGraceMs,
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  const run: TestEngine['run'] = (request) => executor.start({ pipelineDir: null, pipelineId: 'test-pipeline', ...request }).done;
  return { ...fixtures, executor, artifacts, services, events, engineEvents, run };
}

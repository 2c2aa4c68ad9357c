// Stored runs as the engine's run list and run detail describe them, for the Compare tab's tests.
import type { RunDetail, RunListItem } from '../../../../app/protocol/engine-api.ts';
import type { RunStatus } from '../../../../app/protocol/run-events.ts';
import { pipelineSchema } from '../../../../app/pipeline/schema.ts';

export interface StoredRunSpec {
  id: string;
  pipelineName?: string;
  status?: RunStatus;
  startedAt: string;
  finishedAt?: string | null;
  /** node id → [type, config]. */
  nodes?: Record<string, [string, Record<string, unknown>]>;
  /** node id → metric → values at steps 1, 2, 3… */
  metrics?: Record<string, Record<string, number[]>>;
}

export function runListItem(spec: StoredRunSpec): RunListItem {
  return {
    id: spec.id,
    pipelineName: spec.pipelineName ?? 'tiny',
    pipelinePath: null,
    status: spec.status ?? 'succeeded',
    targets: [],
    startedAt: spec.startedAt,
    finishedAt: spec.finishedAt === undefined ? spec.startedAt.replace(/:00\.000Z$/, ':30.000Z') : spec.finishedAt,
    nodeCounts: { pending: 0, running: 0, cached: 0, succeeded: Object.keys(spec.nodes ?? {}).length, failed: 0, cancelled: 0, skipped: 0 },
  };
}

export function runDetail(spec: StoredRunSpec): RunDetail {
  const nodes = Object.entries(spec.nodes ?? {});
  const metrics = spec.metrics ?? {};
  return {
    run: runListItem(spec),
    pipeline: pipelineSchema.parse({ format: 'crucible.pipeline', version: 1, name: spec.pipelineName ?? 'tiny', nodes: nodes.map(([id, [type, config]]) => ({ id, type, typeVersion: 1, config })), edges: [] }),
    nodes: Object.fromEntries(
      nodes.map(([id]) => [id, { state: 'succeeded' as const, cached: false, artifacts: {}, metrics: Object.fromEntries(Object.entries(metrics[id] ?? {}).map(([name, values]) => [name, values.at(-1)!])) }]),
    ),
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([node, byName]) => [node, Object.fromEntries(Object.entries(byName).map(([name, values]) => [name, values.map((value, index) => ({ step: index + 1, value, at: spec.startedAt }))]))]),
    ),
  };
}

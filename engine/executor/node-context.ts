// Builds the NodeRunContext one node run receives: its inputs, staged output folders, signal and reporting hooks.
// After close() the hooks go quiet, so a node that ignored a cancel cannot report into a finished run.
import type { ArtifactHandle, NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { LogLevel, NodeProgress } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import type { StagingArea, StoredArtifact } from '../artifacts/artifact-store.ts';
import type { PlannedNode } from './plan.ts';

export interface NodeContextOptions {
  runId: string;
  planned: PlannedNode;
  inputs: Record<string, StoredArtifact[]>;
  staging: StagingArea;
  pipelineDir: string | null;
  dataDir: string;
  signal: AbortSignal;
  capabilities: NodeCapabilities;
  onProgress(update: NodeProgress): void;
  onLog(line: string, level: LogLevel): void;
}

export interface ClosableNodeContext {
  context: NodeRunContext<Record<string, unknown>, NodeCapabilities>;
  close(): void;
}

export function createNodeContext(options: NodeContextOptions): ClosableNodeContext {
  const { planned, staging } = options;
  let open = true;
  const handles = (port: string): ArtifactHandle[] => (options.inputs[port] ?? []).map(toHandle);
  const context: ClosableNodeContext['context'] = {
    runId: options.runId,
    nodeId: planned.id,
    config: structuredClone(planned.config),
    input(port) {
      const first = handles(port)[0];
      if (!first) throw new Error(`node "${planned.id}": input "${port}" has no artifact; it is not connected or not a declared input of "${planned.spec.type}"`);
      return first;
    },
    inputs: handles,
    outputDir(port) {
      if (!planned.spec.outputs.some((output) => output.name === port)) {
        const declared = planned.spec.outputs.map((output) => `"${output.name}"`).join(', ') || 'none';
        throw new Error(`node "${planned.id}": "${planned.spec.type}" has no output "${port}" (declared outputs: ${declared})`);
      }
      return staging.outputDir(port);
    },
    pipelineDir: options.pipelineDir,
    dataDir: options.dataDir,
    signal: options.signal,
    progress(update) {
      if (open) options.onProgress(cleanProgress(update));
    },
    log(line, level = 'info') {
      if (open) options.onLog(String(line), level);
    },
    capabilities: options.capabilities,
  };
  return { context, close: () => (open = false) };
}

function toHandle(artifact: StoredArtifact): ArtifactHandle {
  const { key, type, meta } = artifact.record;
  return { key, type: type as ArtifactHandle['type'], path: artifact.path, meta: structuredClone(meta) };
}

/** Keeps only the known progress fields with sane values: node code reports this, clients render it. */
function cleanProgress(update: unknown): NodeProgress {
  const raw = (update !== null && typeof update === 'object' ? update : {}) as Record<string, unknown>;
  const clean: NodeProgress = {};
  if (isFiniteNumber(raw.fraction)) clean.fraction = Math.min(1, Math.max(0, raw.fraction));
  if (typeof raw.message === 'string') clean.message = raw.message;
  if (isFiniteNumber(raw.etaMs)) clean.etaMs = raw.etaMs;
  if (isFiniteNumber(raw.step)) clean.step = raw.step;
  if (raw.metrics !== null && typeof raw.metrics === 'object') {
    const metrics = Object.entries(raw.metrics as Record<string, unknown>).filter((entry): entry is [string, number] => isFiniteNumber(entry[1]));
    if (metrics.length > 0) clean.metrics = Object.fromEntries(metrics);
  }
  return clean;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

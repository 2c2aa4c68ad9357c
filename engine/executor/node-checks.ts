// Node types' `check` hooks (the checks that need this machine: files, folders, symbolic links) and whether the
// pipeline's training fits this machine's memory, as validation problems. `crucible validate` and the engine's
// validate run them for a whole pipeline, a run the node hooks for each node it runs.
import { totalmem } from 'node:os';
import { checkMemoryFit } from '../../app/graph/memory-fit.ts';
import type { ValidationProblem } from '../../app/graph/problems.ts';
import { parseNodeConfig } from '../../app/nodes/config.ts';
import type { NodeRegistry } from '../../app/nodes/registry.ts';
import type { FingerprintContext, NodeCheckProblem, NodeRunModule } from '../../app/nodes/run-contract.ts';
import type { Pipeline } from '../../app/pipeline/schema.ts';
import { relativePathProblem, relativePathsWithoutFolder, resolvePathFields } from './path-fields.ts';

export interface MachineCheckOptions {
  registry: NodeRegistry;
  runModules: ReadonlyMap<string, NodeRunModule>;
  /** Folder of the pipeline file, or null when unsaved. */
  pipelineDir: string | null;
  dataDir: string;
  /** Where `~` leads; the user's home folder by default. */
  homeDir?: string;
  signal?: AbortSignal;
  /** This machine's physical memory; os.totalmem() by default. */
  machineMemoryBytes?: number;
}

/**
 * Problems from every node's check, then the memory fit. Nodes of unknown types or with invalid configs are skipped:
 * validate names those.
 */
export async function checkPipelineOnMachine(pipeline: Pipeline, options: MachineCheckOptions): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  for (const node of pipeline.nodes) {
    const spec = options.registry.get(node.type);
    const module = options.runModules.get(node.type);
    if (!spec || node.typeVersion > spec.version) continue;
    const parsed = parseNodeConfig(spec, node.config);
    if (!parsed.ok) continue;
    const relative = relativePathsWithoutFolder(parsed.config, spec.pathFields, { pipelineDir: options.pipelineDir });
    problems.push(...relative.map((found) => relativePathProblem(node.id, found)));
    if (relative.length > 0 || !module?.check) continue;
    const config = resolvePathFields(parsed.config, spec.pathFields, { pipelineDir: options.pipelineDir, homeDir: options.homeDir });
    const context = { nodeId: node.id, config, pipelineDir: options.pipelineDir, dataDir: options.dataDir, signal: options.signal ?? new AbortController().signal };
    problems.push(...(await runNodeCheck(module, context)).map((found) => asValidationProblem(node.id, found)));
  }
  problems.push(...checkMemoryFit(pipeline, options.registry, options.machineMemoryBytes ?? totalmem()));
  return problems;
}

/** A module's check, never throwing: a check that fails is itself an error, since nothing could be verified. */
export async function runNodeCheck(module: NodeRunModule, context: FingerprintContext): Promise<NodeCheckProblem[]> {
  if (!module.check) return [];
  try {
    return await module.check(context);
  } catch (error) {
    if (context.signal.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return [{ field: '', code: 'check_failed', severity: 'error', message: `its sources could not be checked: ${reason}; fix what the message names and validate again` }];
  }
}

export function asValidationProblem(nodeId: string, found: NodeCheckProblem): ValidationProblem {
  return { node: nodeId, field: found.field, code: found.code, message: found.message, ...(found.severity === 'warning' ? { severity: 'warning' as const } : {}) };
}

/** A check problem as one line of the node's own log or failure, where the node is already known. */
export function describeCheckProblem(found: NodeCheckProblem): string {
  return `${found.field ? `config.${found.field}: ` : ''}${found.message}`;
}

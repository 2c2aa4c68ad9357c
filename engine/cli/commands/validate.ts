// `crucible validate FILE`: exit 0 when valid (warnings are printed), 1 with one line per problem, 2 when the file
// is unreadable. Besides the file itself it runs the nodes' checks on this machine (where dataset sources point).
import path from 'node:path';
import { errorsOf, formatProblem } from '../../../app/graph/problems.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import type { NodeRunModule } from '../../../app/nodes/run-contract.ts';
import { checkPipelineOnMachine } from '../../executor/node-checks.ts';
import { EXIT, type CliIo } from '../io.ts';
import { readPipelineFile } from '../read-pipeline-file.ts';

export interface MachineChecks {
  runModules: ReadonlyMap<string, NodeRunModule>;
  /** The engine's data directory: sources under it count as inside. */
  dataDir: string;
  homeDir?: string;
}

export async function validateCommand(file: string, registry: NodeRegistry, io: CliIo, machine: MachineChecks): Promise<number> {
  const result = await readPipelineFile(file, io.cwd, registry);
  if (!result.ok) {
    io.stderr.write(`${result.message}\n`);
    return EXIT.unreadable;
  }
  const { document } = result;
  const problems = [...document.problems];
  if (document.pipeline) problems.push(...(await checkPipelineOnMachine(document.pipeline, { ...machine, registry, pipelineDir: path.dirname(result.path) })));
  for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
  const errors = errorsOf(problems).length;
  const warnings = problems.length - errors;
  const warned = warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '';
  if (errors > 0) {
    io.stderr.write(`${file}: ${errors} problem${errors === 1 ? '' : 's'}${warned ? `, ${warned}` : ''}\n`);
    return EXIT.failed;
  }
  const { nodes, edges } = document.pipeline!;
  const migrated = document.migratedFrom !== undefined ? ` (migrated from version ${document.migratedFrom}; save it to upgrade the file)` : '';
  io.stdout.write(`${file}: valid${warned ? ` with ${warned}` : ''}, ${nodes.length} nodes, ${edges.length} edges${migrated}\n`);
  return EXIT.ok;
}

// `crucible validate FILE`: exit 0 when valid, 1 with one line per problem, 2 when the file is unreadable.
import { formatProblem } from '../../../app/graph/problems.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import { EXIT, type CliIo } from '../io.ts';
import { readPipelineFile } from '../read-pipeline-file.ts';

export async function validateCommand(file: string, registry: NodeRegistry, io: CliIo): Promise<number> {
  const result = await readPipelineFile(file, io.cwd, registry);
  if (!result.ok) {
    io.stderr.write(`${result.message}\n`);
    return EXIT.unreadable;
  }
  const { document } = result;
  if (document.problems.length > 0) {
    for (const problem of document.problems) io.stderr.write(`${formatProblem(problem)}\n`);
    io.stderr.write(`${file}: ${document.problems.length} problem${document.problems.length === 1 ? '' : 's'}\n`);
    return EXIT.failed;
  }
  const { nodes, edges } = document.pipeline!;
  const migrated = document.migratedFrom !== undefined ? ` (migrated from version ${document.migratedFrom}; save it to upgrade the file)` : '';
  io.stdout.write(`${file}: valid, ${nodes.length} nodes, ${edges.length} edges${migrated}\n`);
  return EXIT.ok;
}

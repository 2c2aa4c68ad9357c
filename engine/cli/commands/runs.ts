// `crucible runs [--json] [--limit N]`: the run history, newest first.
import type { Engine } from '../../engine.ts';
import { EXIT, type CliIo } from '../io.ts';

export function runsCommand(engine: Engine, options: { json: boolean; limit: number }, io: CliIo): number {
  const runs = engine.listRuns({ limit: options.limit });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    io.stdout.write('no runs yet; start one with "crucible run FILE"\n');
    return EXIT.ok;
  }
  for (const run of runs) {
    const counts = Object.entries(run.nodeCounts)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    io.stdout.write(`${run.id}  ${run.status.padEnd(11)} ${run.startedAt}  ${run.pipelineName}  (${counts})\n`);
  }
  return EXIT.ok;
}

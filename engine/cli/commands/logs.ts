// `crucible logs RUN [--node NODE] [--level LEVEL] [--json]`: a past run's node logs, oldest first; RUN may be "last"
// for the newest run. What the studio's Logs tab shows, for headless runs and CI.
import type { LogLine } from '../../../app/protocol/engine-api.ts';
import type { LogLevel } from '../../../app/protocol/run-events.ts';
import type { Engine } from '../../engine.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';

export interface LogsOptions {
  run: string;
  node: string | undefined;
  level: string | undefined;
  json: boolean;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** The store's page size; a run's whole log is read page by page. */
const PAGE = 5_000;

export function logsCommand(engine: Engine, options: LogsOptions, io: CliIo): number {
  const minimum = levelFlag(options.level);
  const runId = options.run === 'last' ? engine.listRuns({ limit: 1 })[0]?.id : options.run;
  if (runId === undefined) {
    io.stderr.write('logs: there are no runs yet; start one with "crucible run FILE"\n');
    return EXIT.failed;
  }
  const run = engine.findRun(runId);
  if (run === null) {
    io.stderr.write(`logs: no run "${runId}"; see "crucible runs" for the ids\n`);
    return EXIT.failed;
  }
  if (options.node !== undefined && !(options.node in run.nodes)) {
    io.stderr.write(`logs: run ${runId} has no node "${options.node}"; its nodes are ${Object.keys(run.nodes).join(', ')}\n`);
    return EXIT.failed;
  }
  let shown = 0;
  for (const line of allLines(engine, runId, options.node)) {
    if (LEVELS.indexOf(line.level) < LEVELS.indexOf(minimum)) continue;
    io.stdout.write(options.json ? `${JSON.stringify(line)}\n` : `${formatLine(line)}\n`);
    shown += 1;
  }
  if (shown === 0 && !options.json) {
    const cached = options.node !== undefined && run.nodes[options.node]?.cached === true;
    const hint = cached ? `; node "${options.node}" came from the cache in this run, so its logs are in the earlier run that made it (see "crucible runs")` : '';
    io.stderr.write(`logs: run ${runId} has no log lines${options.node ? ` from node "${options.node}"` : ''} at level ${minimum} or above${hint}\n`);
  }
  return EXIT.ok;
}

function* allLines(engine: Engine, runId: string, node: string | undefined): Generator<LogLine> {
  let afterId: number | undefined;
  for (;;) {
    const page = engine.logs(runId, { ...(node !== undefined && { node }), ...(afterId !== undefined && { afterId }), limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    afterId = page.at(-1)!.id;
  }
}

function formatLine(line: LogLine): string {
  const time = line.at.slice(11, 19);
  const level = line.level === 'info' ? '' : `${line.level.toUpperCase()} `;
  return `${time}  ${line.node}  ${level}${line.line}`;
}

function levelFlag(value: string | undefined): LogLevel {
  if (value === undefined) return 'debug';
  if ((LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new UsageError(`logs: --level must be one of ${LEVELS.join(', ')}, got "${value}"`);
}

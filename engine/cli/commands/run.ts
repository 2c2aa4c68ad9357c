// `crucible run FILE [--target NODE]... [--set NODE.FIELD=VALUE]... [--force NODE]... [--json] [--exit]`: runs a
// pipeline headless in this process. A TTY gets live progress rows; --json prints NDJSON events ending with
// run.finished. A run that leaves services up (deploy, api-endpoint) keeps serving until Ctrl-C, unless --exit.
// Warnings about the nodes it needs go to stderr before it starts, as `validate` prints them.
import { formatProblem } from '../../../app/graph/problems.ts';
import type { ConfigOverride } from '../../../app/protocol/engine-api.ts';
import type { RunEvent, ServiceInfo } from '../../../app/protocol/run-events.ts';
import type { Engine } from '../../engine.ts';
import { PipelineInvalidError, RunRequestError } from '../../executor/run-errors.ts';
import { EXIT, type CliIo } from '../io.ts';
import { ProgressView } from '../progress-view.ts';
import { readPipelineJsonFile } from '../read-pipeline-file.ts';
import { API_KEY_HINT, openAiBaseUrl } from '../serving-text.ts';

export interface RunCommandOptions {
  file: string;
  targets: string[];
  overrides: ConfigOverride[];
  force: string[];
  json: boolean;
  /** Stop the services the run started and return as soon as it finishes (scripts, CI). */
  exit?: boolean;
}

export async function runCommand(engine: Engine, options: RunCommandOptions, io: CliIo): Promise<number> {
  const file = await readPipelineJsonFile(options.file, io.cwd);
  if (!file.ok) {
    io.stderr.write(`${file.message}\n`);
    return EXIT.unreadable;
  }
  const output = createOutput(options.json, io);
  // run.started is emitted while startRun is still returning the id, so early events wait in a buffer.
  let runId: string | null = null;
  let targets: string[] = [];
  const early: RunEvent[] = [];
  const onRunEvent = (event: RunEvent) => {
    if (event.type === 'run.started') targets = event.targets;
    output.onEvent(event);
  };
  const unsubscribe = engine.bus.subscribe((event) => {
    if (!('runId' in event)) return;
    if (runId === null) early.push(event);
    else if (event.runId === runId) onRunEvent(event);
  });
  try {
    const started = engine.startRun({ pipeline: file.json, pipelinePath: file.path, ...options });
    runId = started.runId;
    // Before any progress: a warning read after an hour of training (a schedule that never decays) comes too late.
    for (const warning of started.warnings) io.stderr.write(`${formatProblem(warning)}\n`);
    for (const event of early.splice(0)) if (event.runId === runId) onRunEvent(event);
  } catch (error) {
    unsubscribe();
    if (error instanceof PipelineInvalidError) {
      for (const problem of error.problems) io.stderr.write(`${formatProblem(problem)}\n`);
      return EXIT.failed;
    }
    if (error instanceof RunRequestError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  let interrupts = 0;
  const stopListening = io.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\ncancelling… (press Ctrl-C again to stop waiting)\n');
      engine.cancelRun(runId!);
    } else {
      process.exit(EXIT.cancelled);
    }
  });
  const finished = await engine.finished(runId)!;
  stopListening();
  unsubscribe();
  output.done(finished);
  if (!options.json) for (const line of outputLines(finished, targets)) io.stdout.write(`${line}\n`);
  if (finished.status !== 'succeeded') return finished.status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
  const services = engine.listServices().filter((service) => service.runId === runId && service.status === 'running');
  if (services.length === 0 || options.exit === true) return EXIT.ok;
  return serveUntilStopped(engine, services, options.json, io);
}

/**
 * Keeps the run's services up (the caller closes the engine afterwards, which stops them) until Ctrl-C, or until the
 * last of them stops by itself.
 */
function serveUntilStopped(engine: Engine, services: ServiceInfo[], json: boolean, io: CliIo): Promise<number> {
  if (json) io.stdout.write(`${JSON.stringify({ type: 'serving', services })}\n`);
  else {
    for (const line of servingLines(services)) io.stdout.write(`${line}\n`);
    io.stdout.write('press Ctrl-C to stop serving (or run with --exit to stop when the run ends)\n');
  }
  const running = new Set(services.map((service) => service.id));
  return new Promise((resolve) => {
    const finish = (code: number) => {
      stopListening();
      unsubscribe();
      resolve(code);
    };
    const stopListening = io.onInterrupt(() => finish(EXIT.ok));
    const unsubscribe = engine.bus.subscribe((event) => {
      if (event.type !== 'service.stopped' || !running.delete(event.service.id) || running.size > 0) return;
      io.stderr.write('every service of the run has stopped\n');
      finish(event.service.status === 'failed' ? EXIT.failed : EXIT.ok);
    });
  });
}

/**
 * Where each service can be reached. An api-endpoint is shown by the base URL an OpenAI client takes, since its routes
 * live under /v1, with the key hint when it checks keys, worded as `crucible serve` words them.
 */
export function servingLines(services: readonly ServiceInfo[]): string[] {
  const lines = services.map((service) => {
    if (service.kind === 'api-endpoint' && service.url) return `serving ${service.kind} ${service.name} at ${openAiBaseUrl(service.url)} (OpenAI-compatible)`;
    return `serving ${service.kind} ${service.name}${service.url ? ` at ${service.url}` : ''}`;
  });
  if (services.some((service) => service.kind === 'api-endpoint' && service.details?.auth === 'keys')) lines.push(API_KEY_HINT);
  return lines;
}

/**
 * The folders holding the outputs of the targets that succeeded (or came from the cache): the text-mode answer to
 * "where is my model?", which --json gives in run.finished. Empty when no target produced an output.
 */
export function outputLines(finished: Extract<RunEvent, { type: 'run.finished' }>, targets: readonly string[]): string[] {
  const lines: string[] = [];
  for (const node of targets) {
    const summary = finished.nodes[node];
    if (!summary || (summary.state !== 'succeeded' && summary.state !== 'cached')) continue;
    for (const artifact of Object.values(summary.artifacts ?? {})) {
      lines.push(`  ${node}.${artifact.port}: ${artifact.path}${artifact.copiedTo ? ` (copied to ${artifact.copiedTo})` : ''}`);
    }
  }
  return lines.length > 0 ? ['outputs:', ...lines] : [];
}

interface RunOutput {
  onEvent(event: RunEvent): void;
  done(finished: Extract<RunEvent, { type: 'run.finished' }>): void;
}

function createOutput(json: boolean, io: CliIo): RunOutput {
  if (json) {
    return {
      onEvent: (event) => {
        if (event.type !== 'run.finished') io.stdout.write(`${JSON.stringify(event)}\n`);
      },
      done: (finished) => io.stdout.write(`${JSON.stringify(finished)}\n`),
    };
  }
  const view = new ProgressView();
  const width = () => Math.max(40, (io.stdout.columns ?? 100) - 1);
  if (!io.stdout.isTTY) {
    return {
      onEvent: (event) => {
        // Logs and pipes keep whole lines: nothing redraws them, so there is no width to fit.
        if (view.apply(event) && event.type === 'node.state') io.stdout.write(`${view.lineFor(event.node, Number.POSITIVE_INFINITY)}\n`);
        if (event.type === 'node.log' && (event.level === 'warn' || event.level === 'error')) io.stderr.write(`[${event.node}] ${event.line}\n`);
      },
      done: (finished) => io.stdout.write(`run ${finished.runId} ${finished.status}\n`),
    };
  }
  return liveTerminalOutput(view, io, width);
}

/** Redraws the node rows in place at most ten times a second. */
function liveTerminalOutput(view: ProgressView, io: CliIo, width: () => number): RunOutput {
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    const lines = view.lines(width());
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : '';
    io.stdout.write(`${up}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    drawnLines = lines.length;
  };
  return {
    onEvent: (event) => {
      view.apply(event);
      if (event.type === 'node.log' && (event.level === 'warn' || event.level === 'error')) {
        io.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : ''}[${event.node}] ${event.line}\n`);
        drawnLines = 0;
      }
      timer ??= setTimeout(draw, 100);
    },
    done: (finished) => {
      if (timer) clearTimeout(timer);
      draw();
      io.stdout.write(`run ${finished.runId} ${finished.status}\n`);
    },
  };
}

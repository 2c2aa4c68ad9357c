// One engine process: spawned with its token in the environment, ready once it has printed its "ready" line and
// answered GET /api/health; stopped with SIGTERM and killed when it does not exit in time. Output goes to the log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ROUTES, TOKEN_HEADER } from '../../app/protocol/engine-api.ts';
import { ENGINE_FATAL_EXIT_CODE } from '../../app/protocol/engine-process.ts';
import type { RotatingLog } from './rotating-log.ts';

/** How to start the engine: the built `dist/node/engine.js` under the system Node in development, Electron as Node when packaged. */
export interface EngineLaunch {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface LaunchEngineOptions {
  launch: EngineLaunch;
  token: string;
  /** 0 lets the OS pick a free port. */
  port: number;
  dataDir?: string;
  allowedOrigins?: readonly string[];
  staticDir?: string;
  log: RotatingLog;
  readyTimeoutMs: number;
}

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EngineProcess {
  child: ChildProcess;
  /** Resolves once the engine answers its health check; rejects when it exits or times out first. */
  ready: Promise<{ url: string; port: number; dataDir?: string }>;
  exited: Promise<EngineExit>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; says which one ended it. */
  stop(timeoutMs: number): Promise<'exited' | 'killed'>;
}

const readyLineSchema = z.object({
  ready: z.literal(true),
  url: z.string().url(),
  port: z.number().int().min(1).max(65535),
  /** Where the engine keeps runs and artifacts (it resolves the default itself). */
  dataDir: z.string().min(1).optional(),
});
/** The line an engine prints when it cannot start (app/protocol/engine-process.ts). */
const fatalLineSchema = z.object({ fatal: z.string().min(1) });
const HEALTH_POLL_MS = 100;
const OUTPUT_LINES_KEPT = 20;

/**
 * The engine refused to start and said why (a `{"fatal":…}` line, or its fatal exit code): starting it again would
 * fail the same way, so the supervisor shows the message instead of retrying.
 */
export class EngineRefusedError extends Error {}

export function engineArgs(options: Pick<LaunchEngineOptions, 'port' | 'dataDir' | 'allowedOrigins' | 'staticDir'>): string[] {
  const args = ['--port', String(options.port)];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  if (options.staticDir) args.push('--static-dir', options.staticDir);
  for (const origin of options.allowedOrigins ?? []) args.push('--allowed-origin', origin);
  return args;
}

export function launchEngine(options: LaunchEngineOptions): EngineProcess {
  const { launch, log } = options;
  const child = spawn(launch.command, [...launch.args, ...engineArgs(options)], {
    cwd: launch.cwd,
    // The token travels in the environment, never argv, which other users on the machine can read.
    env: { ...process.env, ...launch.env, CRUCIBLE_ENGINE_TOKEN: options.token },
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const recentOutput: string[] = [];
  const exited = new Promise<EngineExit>((resolve) => {
    // 'close' comes after the output streams end, so the last lines are in the log before anyone reports the exit.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      log.note(`engine could not be started (${launch.command}): ${error.message}`);
      resolve({ code: null, signal: null });
    });
  });
  const output = watchOutput(child, log, recentOutput);
  const ready = waitUntilHealthy(output, exited, options, recentOutput);
  ready.catch(() => undefined);
  return { child, ready, exited, stop: (timeoutMs) => stopProcess(child, exited, timeoutMs) };
}

interface EngineOutput {
  /** The first "ready" line. */
  readyLine: Promise<z.output<typeof readyLineSchema>>;
  /** What the engine's "fatal" line said, once it has printed one. */
  fatal(): string | undefined;
}

/** Logs every line of stdout and stderr, resolves with the first "ready" line and keeps the "fatal" one. */
function watchOutput(child: ChildProcess, log: RotatingLog, recentOutput: string[]): EngineOutput {
  const keep = (line: string) => {
    recentOutput.push(line);
    if (recentOutput.length > OUTPUT_LINES_KEPT) recentOutput.shift();
  };
  createInterface({ input: child.stderr! }).on('line', (line) => {
    log.write(`${line}\n`);
    keep(line);
  });
  let fatal: string | undefined;
  const readyLine = new Promise<z.output<typeof readyLineSchema>>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.write(`${line}\n`);
      keep(line);
      const json = line.startsWith('{') ? safeJson(line) : null;
      const parsed = readyLineSchema.safeParse(json);
      if (parsed.success) resolve(parsed.data);
      const refused = fatalLineSchema.safeParse(json);
      if (refused.success) fatal ??= refused.data.fatal;
    });
  });
  return { readyLine, fatal: () => fatal };
}

async function waitUntilHealthy(
  { readyLine, fatal }: EngineOutput,
  exited: Promise<EngineExit>,
  options: LaunchEngineOptions,
  recentOutput: string[],
): Promise<{ url: string; port: number; dataDir?: string }> {
  const deadline = Date.now() + options.readyTimeoutMs;
  const failure = (what: string) =>
    new Error(`the engine ${what}; its last output:\n${recentOutput.join('\n') || '(none)'}\nFull log: ${options.log.file}`);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure(`did not become ready within ${options.readyTimeoutMs} ms`)), options.readyTimeoutMs);
  });
  const died = exited.then((exit): never => {
    // 'close' comes after stdout ends, so a fatal line the engine printed has been read by now.
    const said = fatal();
    if (said !== undefined) throw new EngineRefusedError(`${said}\nFull log: ${options.log.file}`);
    if (exit.code === ENGINE_FATAL_EXIT_CODE) throw new EngineRefusedError(failure(`refused to start (${describeExit(exit)})`).message);
    throw failure(`exited before it was ready (${describeExit(exit)})`);
  });
  let settled = false;
  try {
    const line = await Promise.race([readyLine, died, timedOut]);
    const url = new URL(line.url);
    if (url.hostname !== '127.0.0.1') throw failure(`listens on ${url.host}, not on 127.0.0.1`);
    await Promise.race([pollHealth(url.origin, options.token, () => settled || Date.now() > deadline), died, timedOut]);
    return { url: url.origin, port: line.port, ...(line.dataDir ? { dataDir: line.dataDir } : {}) };
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

async function pollHealth(origin: string, token: string, giveUp: () => boolean): Promise<void> {
  while (!giveUp()) {
    const status = await fetch(`${origin}${ROUTES.health}`, { headers: { [TOKEN_HEADER]: token }, signal: AbortSignal.timeout(2000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<EngineExit>, timeoutMs: number): Promise<'exited' | 'killed'> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return 'exited';
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([exited.then(() => 'exited' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'exited') return 'exited';
  child.kill('SIGKILL');
  await exited;
  return 'killed';
}

export function describeExit(exit: EngineExit): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  return exit.code === null ? 'could not start' : `exit code ${exit.code}`;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

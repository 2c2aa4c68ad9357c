// The ranks of one machine, spawned as torchrun would (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT, OMP_NUM_THREADS) but watched here: rank 0's stdout lines are events, every other line is a log line;
// the first rank to exit abnormally stops all the others at once; a cancel stops every rank.
// Why not torchrun locally (README.md, Decisions): its agent notices a dead rank only at its next poll (5 s by
// default; measured 5.2 s here), and Debian's torch 1.13 torchrun needs `--redirects 2 --tee 2` just to start.

import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../free-port.ts';

export interface RankLaunch {
  python: string;
  /** Arguments after the interpreter, e.g. ['-m', 'crucible_torch', 'train', '--job', JOB]. */
  args: readonly string[];
  /** Ranks to start (all on this machine). */
  worldSize: number;
  /** OMP_NUM_THREADS of each rank. */
  threadsPerRank: number;
  /** Added to the engine's environment for every rank (PYTHONPATH...). */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  signal?: AbortSignal;
  /** One parsed JSON object from rank 0's stdout. */
  onEvent(event: Record<string, unknown>): void;
  /** Any other line a rank printed. */
  onLog(line: string, rank: number): void;
  /** How long a rank may take to stop after SIGTERM before SIGKILL (default 2000 ms). */
  killGraceMs?: number;
}

/** How one rank ended. */
export interface RankExit {
  rank: number;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The run did not finish: the first rank that ended abnormally (or null when cancelled), and what each rank left on stderr. */
export class RankFailure extends Error {
  constructor(
    message: string,
    readonly exit: RankExit,
    readonly stderrTail: string[],
  ) {
    super(message);
    this.name = 'RankFailure';
  }
}

const TAIL_LINES = 20;

/** Splits a stream into lines and hands each complete one on. */
function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
  });
}

/** A JSON object with a string `event` field, or null for a plain line. */
export function parseEventLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function describeExit(exit: RankExit, worldSize: number): string {
  const who = `rank ${exit.rank} of ${worldSize}${exit.pid === undefined ? '' : ` (pid ${exit.pid})`}`;
  return exit.signal !== null ? `${who} was killed by ${exit.signal}` : `${who} exited with code ${exit.code}`;
}

/**
 * Starts every rank and settles when all have exited: resolves when each exited with code 0; rejects with a
 * RankFailure naming the first rank that ended otherwise (the others are stopped at once), or with an AbortError on a
 * cancel (every rank stopped).
 */
export async function runRanks(launch: RankLaunch): Promise<void> {
  if (launch.signal?.aborted) throw abortError();
  const port = await freePort(); // the ranks' rendezvous (MASTER_PORT)
  // A cancel during the port lookup fired before the listener below exists: no rank may start after it.
  if (launch.signal?.aborted) throw abortError();
  const grace = launch.killGraceMs ?? 2000;
  const children: ChildProcess[] = [];
  const tails: string[][] = [];
  const running = new Set<number>();
  let firstFailure: RankExit | null = null;
  let cancelled = false;

  return new Promise<void>((resolve, reject) => {
    let killTimer: NodeJS.Timeout | null = null;
    const stopAll = () => {
      for (const rank of running) children[rank]?.kill('SIGTERM');
      killTimer ??= setTimeout(() => {
        for (const rank of running) children[rank]?.kill('SIGKILL');
      }, grace);
    };
    const onAbort = () => {
      cancelled = true;
      stopAll();
    };
    launch.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      if (killTimer !== null) clearTimeout(killTimer);
      launch.signal?.removeEventListener('abort', onAbort);
      if (cancelled) reject(abortError());
      else if (firstFailure !== null) reject(new RankFailure(describeExit(firstFailure, launch.worldSize), firstFailure, tails[firstFailure.rank] ?? []));
      else resolve();
    };

    for (let rank = 0; rank < launch.worldSize; rank++) {
      const env = {
        ...process.env,
        ...launch.env,
        RANK: String(rank),
        LOCAL_RANK: String(rank),
        WORLD_SIZE: String(launch.worldSize),
        LOCAL_WORLD_SIZE: String(launch.worldSize),
        GROUP_RANK: '0',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(port),
        OMP_NUM_THREADS: String(launch.threadsPerRank),
        // OpenMP threads sleep instead of spinning while they wait, unless the environment says otherwise: with two
        // threads per rank on a busy machine, spinning ran the nanoGPT CPU config at 196 tokens/s against ~4000
        // passive (bench:train --runner torch); on an idle machine it costs little.
        OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
        PYTHONUNBUFFERED: '1',
      };
      const child = spawn(launch.python, [...launch.args], { cwd: launch.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      tails.push([]);
      running.add(rank);
      const remember = (line: string) => {
        const tail = tails[rank] as string[];
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      };
      eachLine(child.stdout as NodeJS.ReadableStream, (line) => {
        const event = rank === 0 ? parseEventLine(line) : null;
        if (event !== null) launch.onEvent(event);
        else if (line.trim() !== '') launch.onLog(line, rank);
      });
      eachLine(child.stderr as NodeJS.ReadableStream, (line) => {
        if (line.trim() === '') return;
        remember(line);
        launch.onLog(line, rank);
      });
      child.on('error', (error) => {
        remember(`could not start: ${error.message}`);
      });
      child.on('close', (code, signal) => {
        running.delete(rank);
        const abnormal = code !== 0;
        if (abnormal && firstFailure === null && !cancelled) {
          firstFailure = { rank, pid: child.pid, code, signal };
          stopAll();
        }
        if (running.size === 0) settle();
      });
    }
  });
}

function abortError(): Error {
  const error = new Error('torch runner: cancelled; every rank was stopped');
  error.name = 'AbortError';
  return error;
}

// A CliIo for tests: what a command writes to stdout and stderr kept as text, and Ctrl-C sent when the test says.
import { PassThrough } from 'node:stream';
import type { CliIo } from '../io.ts';

export interface CapturedIoOptions {
  /** The command's working folder. */
  cwd: string;
  /** The command's whole environment (nothing of this process's); empty unless given. */
  env?: NodeJS.ProcessEnv;
  /** What stdout says of itself: whether it is a terminal, and how wide; neither unless given. */
  stdout?: { isTTY: boolean; columns: number };
}

export interface CapturedIo {
  io: CliIo;
  /** All the command has written to stdout so far. */
  stdout(): string;
  /** All the command has written to stderr so far. */
  stderr(): string;
  /** Ctrl-C: calls each listener the command subscribed with onInterrupt and has not unsubscribed. */
  interrupt(): void;
}

export function capturedIo({ cwd, env = {}, stdout: shape }: CapturedIoOptions): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = Object.assign(new PassThrough(), shape ?? {});
  const stderr = new PassThrough();
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const interrupts = new Set<() => void>();
  const onInterrupt = (listener: () => void) => {
    interrupts.add(listener);
    return () => {
      interrupts.delete(listener);
    };
  };
  return {
    io: { stdout, stderr, env, cwd, onInterrupt },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: () => [...interrupts].forEach((listener) => listener()),
  };
}

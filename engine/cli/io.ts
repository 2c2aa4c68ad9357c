// What a CLI command may touch: its streams, environment and working folder, injected so tests can drive commands.

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Ctrl-C: the run command subscribes to cancel cleanly. Returns an unsubscribe function. */
  onInterrupt(listener: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(listener) {
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
  };
}

/** Exit codes: 0 ok, 1 the pipeline is invalid or the run failed, 2 the file cannot be read, 64 bad usage, 130 cancelled. */
export const EXIT = { ok: 0, failed: 1, unreadable: 2, usage: 64, cancelled: 130 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

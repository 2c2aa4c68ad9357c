// Whether a process id names a process that is still running on this machine: how the engine tells what a crashed
// or stopped process left behind (temp files, staging folders, runs it never finished) from what a live one holds.
// A pid may be reused by an unrelated process after its owner died; what it guards is then kept until that one ends.

/**
 * Whether rows an engine process recorded (runs, services) were left behind by it: recorded before engines kept their
 * pid (null), by an earlier engine of this very process, or by a process that is gone. A live other engine's are its own.
 */
export function isLeftBehind(pid: number | null, isAlive: (pid: number) => boolean = isProcessAlive): boolean {
  return pid === null || pid === process.pid || !isAlive(pid);
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

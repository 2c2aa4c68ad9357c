// Whether a process id names a process that is still running on this machine: how the engine tells what a crashed
// or stopped process left behind (temp files, staging folders, runs it never finished) from what a live one holds.
// A pid may be reused by an unrelated process after its owner died; what it guards is then kept until that one ends.

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

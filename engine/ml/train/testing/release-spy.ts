// Test support: a spy on every instance's release that lets the session go, then fails with `failure` when one is
// given, so a test can check what else a job releases when one release fails.
import { vi } from 'vitest';

export function releaseSpy(prototype: { release(): Promise<void> }, failure: string | null) {
  const release = prototype.release;
  return vi.spyOn(prototype, 'release').mockImplementation(async function (this: unknown) {
    await release.call(this);
    if (failure !== null) throw new Error(failure);
  });
}

// Run ids: `run-` + the UTC start time to the second + 6 random hex digits (run-20250101T120000-a1b2c3), so ids sort
// by start time; the random part keeps runs started in the same second apart. Ids are opaque elsewhere: older stored formats stay valid.
import { randomBytes } from 'node:crypto';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

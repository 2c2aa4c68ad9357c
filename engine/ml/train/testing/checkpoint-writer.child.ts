// Child process for the checkpoint atomicity test: rewrites a large checkpoint in a loop, each version filled with
// its own step number, and prints "wrote N" after each, so the parent can SIGKILL it in the middle of a write.

import { writeCheckpoint } from '../checkpoint.ts';

export const CHECKPOINT_CHILD_ELEMENTS = 4_000_000;

const folder = process.argv[2];
if (folder) {
  for (let step = 1; step < 10_000; step++) {
    const filled = (value: number) => ({ dtype: 'float32' as const, shape: [CHECKPOINT_CHILD_ELEMENTS], data: new Float32Array(CHECKPOINT_CHILD_ELEMENTS).fill(value) });
    const tensors = new Map([['w', filled(step)], ['adam.m.w', filled(-step)]]);
    writeCheckpoint(folder, { step, session: { tensors, stepCount: step, dropoutRandomState: step }, samplerState: step, fingerprint: 'child', metrics: {} });
    process.stdout.write(`wrote ${step}\n`);
  }
}

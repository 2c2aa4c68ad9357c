// Where the PyTorch trainer's Python package is: engine/torch/crucible_torch in a checkout, dist/torch/crucible_torch
// in a build (tools/build.ts copies it), and in the desktop app the same folder unpacked beside app.asar (Python cannot
// read inside the archive). The ranks get its parent folder on PYTHONPATH and run `-m crucible_torch`.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, RUNNING_BUILT } from '../build-mode.ts';

export const TRAINER_MODULE = 'crucible_torch';

/** The folder that holds crucible_torch/ (what goes on PYTHONPATH). */
export function trainerPackageRoot(): string {
  const root = path.join(REPO_ROOT, RUNNING_BUILT ? path.join('dist', 'torch') : path.join('engine', 'torch'));
  const unpacked = root.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  const folder = existsSync(path.join(unpacked, TRAINER_MODULE)) ? unpacked : root;
  if (!existsSync(path.join(folder, TRAINER_MODULE, '__main__.py'))) {
    throw new Error(`torch runner: the trainer package ${path.join(folder, TRAINER_MODULE)} is missing; ${RUNNING_BUILT ? 'rebuild with `npm run build` (it copies engine/torch)' : 'restore engine/torch from the repository'}`);
  }
  return folder;
}

/** The command line of one rank after the interpreter. */
export function trainerArgs(jobFile: string): string[] {
  return ['-m', TRAINER_MODULE, 'train', '--job', jobFile];
}

/** PYTHONPATH with the trainer first, keeping what the environment had. */
export function trainerPythonPath(existing = process.env.PYTHONPATH): string {
  return [trainerPackageRoot(), ...(existing ? [existing] : [])].join(path.delimiter);
}

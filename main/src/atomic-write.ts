// A file replaced whole: written beside its target, then renamed over it, so a crash mid-write leaves the previous
// content and a failed write leaves no partial file behind. Synchronous for the small files of the app's user-data
// folder, asynchronous for pipeline files (up to MAX_PIPELINE_TEXT_BYTES, in the user's own folders).
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Hidden beside the target, and one per write: two writes of one file (two app instances, two saves) never share one. */
function partialFileOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
}

/** Also makes the target's folder. */
export function writeFileAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = partialFileOf(file);
  try {
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The target's folder must exist: a pipeline is saved only where the user picked. */
export async function writeFileAtomicallyAsync(file: string, text: string): Promise<void> {
  const partial = partialFileOf(file);
  try {
    await writeFile(partial, text, 'utf8');
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

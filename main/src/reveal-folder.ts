// Which folders the page may have shown in the file manager (the `revealFolder` call): a folder inside the engine's
// artifact store, or the copy an artifact's own record names (an export's outDir). Folders only, never files.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ParsedInvokeRequest } from '../../app/protocol/desktop-ipc.ts';
import { ARTIFACT_RECORD_FILE, ARTIFACT_STORE_FOLDER } from '../../app/protocol/run-events.ts';

const copyRecordSchema = z.object({ meta: z.object({ copiedTo: z.string() }) });

/** The real path of the folder to show for `request`; throws, saying why, for anything else. */
export async function folderToReveal(request: ParsedInvokeRequest<'revealFolder'>, dataDir: string | null): Promise<string> {
  if (dataDir === null) throw refusal(`"${request.path}" cannot be shown yet: the engine has not reported its data directory; try again once it is ready`);
  const wanted = absolutePath(request.path, 'path');
  const store = await realFolder(path.join(dataDir, ARTIFACT_STORE_FOLDER), 'the artifact store');
  if (request.copyOf === undefined) {
    const folder = await realFolder(wanted, 'path');
    if (!isInside(folder, store)) throw refusal(`"${request.path}" is outside the engine's artifact store (${store}); only artifact folders and the copies their records name can be shown`);
    return folder;
  }
  const artifact = await realFolder(absolutePath(request.copyOf, 'copyOf'), 'copyOf');
  // Only a key folder's own record counts: a node's files below it could hold a file of the same name.
  if (path.dirname(artifact) !== store) throw refusal(`copyOf "${request.copyOf}" is not an artifact folder of the engine's artifact store (${store})`);
  const recorded = await recordedCopy(artifact);
  // A relative record would resolve against this process's working folder, not the engine's: denied.
  if (recorded === null || !path.isAbsolute(recorded) || path.resolve(recorded) !== wanted) {
    throw refusal(`"${request.path}" is not the folder the artifact ${artifact} records as its copy${recorded === null ? ' (it records none)' : ` ("${recorded}")`}`);
  }
  return realFolder(wanted, 'path');
}

function refusal(reason: string): Error {
  return new Error(`Cannot show the folder: ${reason}`);
}

/** Absolute, with no `..` segment: the page names folders exactly as the engine reported them. */
function absolutePath(text: string, field: string): string {
  if (!path.isAbsolute(text)) throw refusal(`${field} "${text}" is not an absolute path`);
  if (text.split(/[\\/]/).includes('..')) throw refusal(`${field} "${text}" must not contain ".." segments`);
  return path.resolve(text);
}

/** The folder's real path (symlinks followed, so a link in the store cannot point the check elsewhere). */
async function realFolder(folder: string, what: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(folder);
  } catch {
    throw refusal(`${what} "${folder}" does not exist (deleted, or the run was cleaned up?)`);
  }
  if (!(await stat(real)).isDirectory()) throw refusal(`${what} "${folder}" is a file; only folders are shown, files are never opened`);
  return real;
}

/** Strictly below `parent` (the store itself is not an artifact folder). */
function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && !path.isAbsolute(relative) && relative.split(path.sep)[0] !== '..';
}

async function recordedCopy(artifactFolder: string): Promise<string | null> {
  try {
    const parsed = copyRecordSchema.safeParse(JSON.parse(await readFile(path.join(artifactFolder, ARTIFACT_RECORD_FILE), 'utf8')));
    return parsed.success ? parsed.data.meta.copiedTo : null;
  } catch {
    return null;
  }
}

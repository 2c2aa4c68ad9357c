// Lists one folder for the studio's path completion (web mode, where a page cannot open a file dialog that hands out
// paths). The same rules as the dataset's sources: a folder in a secret location is refused, secret-looking entries
// and hidden (dot) entries are left out, as a dataset folder's read leaves them out. Bounded.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { detectFormat } from '../../app/datasets/file-format.ts';
import type { FolderEntry, FolderListing } from '../../app/protocol/preview-api.ts';
import { secretLocationOf } from '../../nodes/dataset/secret-paths.ts';
import { resolvePath } from '../executor/path-fields.ts';

export const MAX_FOLDER_ENTRIES = 500;

export class FolderListingError extends Error {
  constructor(
    readonly reason: 'not_found' | 'not_a_folder' | 'secret_location',
    message: string,
  ) {
    super(message);
  }
}

export interface FolderRequest {
  /** As typed: absolute, `~/...`, or relative to the pipeline file's folder; '' is that folder itself. */
  path: string;
  pipelineDir: string | null;
  /** Where '' and relative paths lead for an unsaved pipeline: the engine's working folder, as the dataset reads them. */
  fallbackDir: string;
  homeDir?: string;
}

export async function listFolder(request: FolderRequest): Promise<FolderListing> {
  const base = request.pipelineDir ?? request.fallbackDir;
  const folder = path.resolve(base, resolvePath(request.path === '' ? '.' : request.path, { pipelineDir: base, homeDir: request.homeDir }));
  const location = secretLocationOf(folder);
  if (location) throw new FolderListingError('secret_location', `"${request.path || folder}" is ${location}; the studio does not list it (a dataset source there is refused unless it sets allowOutside)`);
  const dirents = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new FolderListingError('not_found', `"${request.path || folder}" does not exist`);
    if (error.code === 'ENOTDIR') throw new FolderListingError('not_a_folder', `"${request.path || folder}" is a file, not a folder`);
    throw new FolderListingError('not_found', `cannot read "${request.path || folder}": ${error.message}`);
  });
  let hidden = 0;
  const visible = dirents.filter((dirent) => {
    if (dirent.name.startsWith('.')) return false;
    if (secretLocationOf(path.join(folder, dirent.name)) === null) return true;
    hidden += 1;
    return false;
  });
  const sorted = visible.sort((a, b) => Number(isFolderLike(b)) - Number(isFolderLike(a)) || a.name.localeCompare(b.name));
  const kept = sorted.slice(0, MAX_FOLDER_ENTRIES);
  const entries = await Promise.all(kept.map((dirent) => entryOf(folder, dirent.name)));
  return { folder, entries: entries.filter((entry): entry is FolderEntry => entry !== null), truncated: sorted.length > kept.length, hidden };
}

function isFolderLike(dirent: { isDirectory(): boolean }): boolean {
  return dirent.isDirectory();
}

/** Symbolic links are followed for what they lead to; a broken one is left out. */
async function entryOf(folder: string, name: string): Promise<FolderEntry | null> {
  const info = await stat(path.join(folder, name)).catch(() => null);
  if (info === null) return null;
  if (info.isDirectory()) return { name, kind: 'folder' };
  return { name, kind: 'file', bytes: info.size, format: detectFormat(name, 'auto') };
}

// Lists one folder for the studio's path completion (web mode, where a page cannot open a file dialog that hands out
// paths). The same rules as the dataset's sources: a folder in a secret location, by its path or by where its symbolic
// links lead, is refused; secret-looking entries (by name or by where a link leads) and hidden (dot) entries are left
// out, as a dataset folder's read leaves them out. The folder read is the one checked: the links resolved. Bounded:
// a folder is read only up to MAX_FOLDER_ENTRIES_READ entries, so a folder of 200,000 shards answers a keystroke
// at once; what was read is sorted and the first MAX_FOLDER_ENTRIES returned, `truncated` saying there is more.
import { opendir, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { detectFormat } from '../../app/datasets/file-format.ts';
import type { FolderEntry, FolderListing } from '../../app/protocol/preview-api.ts';
import { secretLocationOf } from '../../nodes/dataset/secret-paths.ts';
import { resolvePath } from '../executor/path-fields.ts';

export const MAX_FOLDER_ENTRIES = 500;
/**
 * Entries read from one folder at most, in the order the file system gives them. Reading, filtering and sorting a
 * whole folder of 200,000 files blocked the engine 1.6 s per keystroke of path completion.
 */
export const MAX_FOLDER_ENTRIES_READ = 5_000;

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
  /** At most this many entries are read; MAX_FOLDER_ENTRIES_READ unless set. */
  maxEntriesRead?: number;
}

export async function listFolder(request: FolderRequest): Promise<FolderListing> {
  const base = request.pipelineDir ?? request.fallbackDir;
  const folder = path.resolve(base, resolvePath(request.path === '' ? '.' : request.path, { pipelineDir: base, homeDir: request.homeDir }));
  const shown = request.path || folder;
  const location = secretLocationOf(folder);
  if (location) throw secretFolderError(shown, location);
  const real = await realpath(folder).catch((error: NodeJS.ErrnoException) => rethrowReadError(error, shown));
  const realLocation = secretLocationOf(real);
  if (realLocation) throw secretFolderError(shown, `${realLocation} (it leads to "${real}")`);
  const read = await readEntries(real, request.maxEntriesRead ?? MAX_FOLDER_ENTRIES_READ).catch((error: NodeJS.ErrnoException) => rethrowReadError(error, shown));
  const named = read.dirents.filter((dirent) => !dirent.name.startsWith('.'));
  const secret = await Promise.all(named.map((dirent) => isSecretEntry(folder, real, dirent)));
  const visible = named.filter((_, index) => !secret[index]);
  const hidden = named.length - visible.length;
  const sorted = visible.sort((a, b) => Number(isFolderLike(b)) - Number(isFolderLike(a)) || a.name.localeCompare(b.name));
  const kept = sorted.slice(0, MAX_FOLDER_ENTRIES);
  const entries = await Promise.all(kept.map((dirent) => entryOf(real, dirent.name)));
  return { folder, entries: entries.filter((entry): entry is FolderEntry => entry !== null), truncated: read.more || sorted.length > kept.length, hidden };
}

/** The folder's first `max` entries as the file system orders them, and whether it holds more. */
async function readEntries(folder: string, max: number): Promise<{ dirents: Dirent[]; more: boolean }> {
  const dir = await opendir(folder, { bufferSize: 256 });
  const dirents: Dirent[] = [];
  try {
    for (let dirent = await dir.read(); dirent !== null; dirent = await dir.read()) {
      if (dirents.length === max) return { dirents, more: true };
      dirents.push(dirent);
    }
    return { dirents, more: false };
  } finally {
    await dir.close();
  }
}

function secretFolderError(shown: string, location: string): FolderListingError {
  return new FolderListingError('secret_location', `"${shown}" is ${location}; the studio does not list it (a dataset source there is refused unless it sets allowOutside)`);
}

function rethrowReadError(error: NodeJS.ErrnoException, shown: string): never {
  if (error.code === 'ENOENT') throw new FolderListingError('not_found', `"${shown}" does not exist`);
  if (error.code === 'ENOTDIR') throw new FolderListingError('not_a_folder', `"${shown}" is a file, not a folder`);
  throw new FolderListingError('not_found', `cannot read "${shown}": ${error.message}`);
}

/** An entry whose name, in the folder as typed or as resolved, or whose link target is a secret location. */
async function isSecretEntry(folder: string, real: string, dirent: Dirent): Promise<boolean> {
  if (secretLocationOf(path.join(folder, dirent.name)) !== null) return true;
  const inside = path.join(real, dirent.name);
  const leads = dirent.isSymbolicLink() ? await realpath(inside).catch(() => null) : inside;
  return leads !== null && secretLocationOf(leads) !== null;
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

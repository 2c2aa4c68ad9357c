// The export's `outDir` (the node) or `--out` (the CLI): a copy of the export folder where the user chose (an LM
// Studio models folder, a repo checkout). A folder that is missing or empty is filled. Every copy leaves a manifest
// there (EXPORT_MANIFEST_FILE) naming the files it wrote, and the next export into that folder removes exactly those
// before writing its own: a re-run drops the earlier export's stale files and keeps what the user added beside it
// (`.git`, a LICENSE, other models). Any other folder with files in it is refused unless `overwrite` is set, or its
// README.md is a Crucible model card (an export written before manifests); then the export writes over its own
// files' paths and keeps everything else.
//
// Replacing is all or nothing, so a failure at any point (a full disk, a file the system will not let go) leaves the
// earlier export exactly as it was: the new files are copied into a folder inside the target first; then every file
// they replace and every stale file of the earlier export is moved into a backup folder beside it, the new files are
// moved in and the manifest written; only then is the backup deleted. On an error the new files go and the backups
// are moved back.

import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../../files/atomic-file.ts';
import { isCrucibleModelCard, MODEL_CARD_FILE } from './model-card.ts';

/** Names the files the last export wrote into a target folder, relative to it, '/'-separated. */
export const EXPORT_MANIFEST_FILE = '.crucible-export.json';

/** What happens to the target: filled (missing or empty), replaced (an earlier export's files), overwritten (other files kept). */
export type ExportTargetAction = 'filled' | 'replaced' | 'overwritten';

interface ExportManifest {
  files: string[];
}

/** What copying into `target` would do; throws, before any work, when it must not be written. */
export function exportTargetAction(target: string, options: { overwrite: boolean }): ExportTargetAction {
  if (!path.isAbsolute(target)) throw new Error(`"${target}" is a relative path and there is no pipeline file to resolve it against; save the pipeline first or give an absolute path`);
  // The same resolved path copyExport writes (`target` may hold `..` or a trailing separator).
  const folder = path.resolve(target);
  if (!existsSync(folder)) return 'filled';
  if (!lstatSync(folder).isDirectory()) throw new Error(`${target} is a file, not a folder`);
  if (readdirSync(folder).length === 0) return 'filled';
  if (readManifest(folder) !== null) return 'replaced';
  if (options.overwrite || hasCrucibleCard(folder)) return 'overwritten';
  throw new Error(`${target} is not empty and holds no earlier Crucible export (no ${EXPORT_MANIFEST_FILE} or ${MODEL_CARD_FILE} written by Crucible); choose an empty folder, or set overwrite to write over it (its other files are kept)`);
}

/** How files move inside the target; tests pass one that fails partway, as a full disk or an immutable file does. */
export interface ExportMoves {
  rename(from: string, to: string): void;
}

const FILE_MOVES: ExportMoves = { rename: renameSync };

export function copyExport(exportFolder: string, target: string, options: { overwrite: boolean }, moves: ExportMoves = FILE_MOVES): ExportTargetAction {
  const [from, to] = [path.resolve(exportFolder), path.resolve(target)];
  if (to === from || to.startsWith(`${from}${path.sep}`) || from.startsWith(`${to}${path.sep}`)) throw new Error(`${target} overlaps the export folder ${exportFolder}; choose a folder outside it`);
  const action = exportTargetAction(target, options);
  const earlier = action === 'replaced' ? readManifest(to)!.files : [];
  const files = filesUnder(from);
  const firstCreated = mkdirSync(to, { recursive: true });
  try {
    placeExport(from, to, files, earlier, moves);
  } catch (error) {
    // A target that did not exist before does not exist after.
    if (firstCreated !== undefined) removeEmptyFoldersUpTo(to, path.dirname(firstCreated));
    throw error;
  }
  return action;
}

/** Copies the export beside its place, then swaps it in (all or nothing) and tidies the stale files' empty folders. */
function placeExport(from: string, to: string, files: string[], earlier: string[], moves: ExportMoves): void {
  const stamp = `${process.pid}-${Date.now()}`;
  const incoming = path.join(to, `.crucible-export-incoming-${stamp}`);
  const stale = [...new Set(earlier)].filter((file) => !files.includes(file));
  try {
    cpSync(from, incoming, { recursive: true });
    checkDestinations(to, files);
    const displaced = [...files.filter((file) => lstatSync(path.join(to, file), { throwIfNoEntry: false }) !== undefined), ...stale.filter((file) => isOwnFile(to, file))];
    const manifest: ExportManifest = { files };
    swapIn({ root: to, incoming, backup: path.join(to, `.crucible-export-backup-${stamp}`), files, displaced, moves }, () =>
      writeFileAtomically(path.join(to, EXPORT_MANIFEST_FILE), (append) => append(new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`))),
    );
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
  for (const file of stale) removeEmptyFoldersAbove(to, file);
}

/** Checked before anything moves: a folder (or a file where a folder must go) the export does not own. */
function checkDestinations(root: string, files: string[]): void {
  for (const file of files) {
    const destination = path.join(root, file);
    if (existsSync(destination) && lstatSync(destination).isDirectory()) throw new Error(`${destination} is a folder, where the export writes a file; move it away or choose another folder`);
    const blocking = ancestorsWithin(root, file).find((folder) => existsSync(folder) && !lstatSync(folder).isDirectory());
    if (blocking !== undefined) throw new Error(`${blocking} is a file, where the export needs a folder; move it away or choose another folder`);
  }
}

interface Swap {
  root: string;
  /** The new files, relative to `incoming` and to `root`. */
  incoming: string;
  files: string[];
  /** Where the files being replaced or removed wait until the new export is complete. */
  backup: string;
  /** The files of `root` that must make way: those the new files replace and the earlier export's stale ones. */
  displaced: string[];
  moves: ExportMoves;
}

/** What a swap has done so far, which is what an error undoes. */
interface SwapProgress {
  displaced: string[];
  placed: string[];
  createdFolders: string[];
}

/** Moves the displaced files into the backup and the new ones into place, then `finish`es; undoes it all on an error. */
function swapIn(swap: Swap, finish: () => void): void {
  const done: SwapProgress = { displaced: [], placed: [], createdFolders: [] };
  try {
    for (const file of swap.displaced) {
      mkdirSync(path.dirname(path.join(swap.backup, file)), { recursive: true });
      swap.moves.rename(path.join(swap.root, file), path.join(swap.backup, file));
      done.displaced.push(file);
    }
    for (const file of swap.files) {
      done.createdFolders.push(...createFoldersFor(swap.root, file));
      swap.moves.rename(path.join(swap.incoming, file), path.join(swap.root, file));
      done.placed.push(file);
    }
    finish();
  } catch (error) {
    const unrestored = undo(swap, done);
    const where = unrestored.length === 0 ? 'the earlier export there is as it was' : `${unrestored.length} of the earlier export's files could not be put back (${unrestored.join(', ')}); they are in ${swap.backup}: move them back by hand`;
    throw new Error(`could not move the export into ${swap.root} (${(error as Error).message}); ${where}`, { cause: error });
  }
  rmSync(swap.backup, { recursive: true, force: true });
}

/** Puts the backups back (over the new files that took their places), removes the other new files and their folders. */
function undo(swap: Swap, done: SwapProgress): string[] {
  const unrestored = done.displaced.filter((file) => !attempt(() => swap.moves.rename(path.join(swap.backup, file), path.join(swap.root, file))));
  for (const file of done.placed) if (!done.displaced.includes(file)) attempt(() => rmSync(path.join(swap.root, file), { force: true }));
  for (const folder of done.createdFolders.reverse()) attempt(() => rmdirSync(folder));
  if (unrestored.length === 0) attempt(() => rmSync(swap.backup, { recursive: true, force: true }));
  return unrestored;
}

/** Runs a step of an undo, which goes on past one that fails; says whether it worked. */
function attempt(step: () => void): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}

/** Creates the folders `file` needs inside `root`; returns those it created, outermost first. */
function createFoldersFor(root: string, file: string): string[] {
  const missing = ancestorsWithin(root, file).filter((folder) => !existsSync(folder));
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  return missing;
}

/** The manifest an earlier copy left, or null when there is none or it is not one (then nothing is removed). */
function readManifest(folder: string): ExportManifest | null {
  const file = path.join(folder, EXPORT_MANIFEST_FILE);
  if (!existsSync(file) || !lstatSync(file).isFile()) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { files?: unknown };
    if (!Array.isArray(parsed.files) || !parsed.files.every((entry) => typeof entry === 'string')) return null;
    // Only plain relative paths inside the folder: a hand-edited manifest never removes anything outside it.
    return { files: (parsed.files as string[]).filter((entry) => entry !== '' && !path.isAbsolute(entry) && !entry.split(/[\\/]/).includes('..')) };
  } catch {
    return null;
  }
}

/**
 * Whether a file an earlier export wrote is one to remove: the manifest names it by text; what counts is where that
 * resolves: through a folder that links out of `root`, nothing goes (and a link is left alone).
 */
function isOwnFile(root: string, file: string): boolean {
  const full = path.join(root, file);
  return existsSync(full) && lstatSync(full).isFile() && resolvesWithin(root, path.dirname(full));
}

/** Removes each folder above `file` (within `root`) that is left empty once the stale files are gone. */
function removeEmptyFoldersAbove(root: string, file: string): void {
  for (const folder of ancestorsWithin(root, file).reverse()) {
    if (!existsSync(folder) || !lstatSync(folder).isDirectory() || readdirSync(folder).length > 0) break;
    rmdirSync(folder);
  }
}

/** Removes `folder` and the folders above it up to `stop` (excluded) while they are empty. */
function removeEmptyFoldersUpTo(folder: string, stop: string): void {
  for (let current = folder; current !== stop && current !== path.dirname(current); current = path.dirname(current)) {
    if (!attempt(() => rmdirSync(current))) return;
  }
}

function resolvesWithin(root: string, folder: string): boolean {
  const [realRoot, realFolder] = [realpathSync(root), realpathSync(folder)];
  return realFolder === realRoot || realFolder.startsWith(`${realRoot}${path.sep}`);
}

/** The folders between `root` (excluded) and `file`, outermost first. */
function ancestorsWithin(root: string, file: string): string[] {
  const parts = file.split('/').slice(0, -1);
  return parts.map((_, index) => path.join(root, ...parts.slice(0, index + 1)));
}

/** Every file under `folder`, relative and '/'-separated, sorted. */
function filesUnder(folder: string, prefix = ''): string[] {
  return readdirSync(path.join(folder, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      return entry.isDirectory() ? filesUnder(folder, relative) : [relative];
    })
    .sort();
}

function hasCrucibleCard(folder: string): boolean {
  const card = path.join(folder, MODEL_CARD_FILE);
  return existsSync(card) && lstatSync(card).isFile() && isCrucibleModelCard(readFileSync(card, 'utf8'));
}

// The export's `outDir` (the node) or `--out` (the CLI): a copy of the export folder where the user chose (an LM
// Studio models folder, a repo checkout). A folder that is missing or empty is filled. Every copy leaves a manifest
// there (EXPORT_MANIFEST_FILE) naming the files it wrote, and the next export into that folder removes exactly those
// before writing its own: a re-run drops the earlier export's stale files and keeps what the user added beside it
// (`.git`, a LICENSE, other models). Any other folder with files in it is refused unless `overwrite` is set, or its
// README.md is a Crucible model card (an export written before manifests); then the export writes over its own
// files' paths and keeps everything else.
//
// The new files are copied into a folder inside the target first and moved into place only once all of them are
// there, so a copy that fails (a full disk) leaves the earlier export as it was.

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

export function copyExport(exportFolder: string, target: string, options: { overwrite: boolean }): ExportTargetAction {
  const [from, to] = [path.resolve(exportFolder), path.resolve(target)];
  if (to === from || to.startsWith(`${from}${path.sep}`) || from.startsWith(`${to}${path.sep}`)) throw new Error(`${target} overlaps the export folder ${exportFolder}; choose a folder outside it`);
  const action = exportTargetAction(target, options);
  const earlier = action === 'replaced' ? readManifest(to)!.files : [];
  const files = filesUnder(from);
  mkdirSync(to, { recursive: true });
  const incoming = path.join(to, `.crucible-export-incoming-${process.pid}-${Date.now()}`);
  try {
    cpSync(from, incoming, { recursive: true });
    for (const file of files) {
      const destination = path.join(to, file);
      // Checked before anything moves: a folder (or a file where a folder must go) the export does not own.
      if (existsSync(destination) && lstatSync(destination).isDirectory()) throw new Error(`${destination} is a folder, where the export writes a file; move it away or choose another folder`);
      const blocking = ancestorsWithin(to, file).find((folder) => existsSync(folder) && !lstatSync(folder).isDirectory());
      if (blocking !== undefined) throw new Error(`${blocking} is a file, where the export needs a folder; move it away or choose another folder`);
    }
    for (const stale of earlier) if (!files.includes(stale)) removeOwnFile(to, stale);
    for (const file of files) {
      mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
      renameSync(path.join(incoming, file), path.join(to, file));
    }
    const manifest: ExportManifest = { files };
    writeFileAtomically(path.join(to, EXPORT_MANIFEST_FILE), (append) => append(new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`)));
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
  return action;
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
 * Removes a file an earlier export wrote, then each folder above it (within `root`) that is left empty. The manifest
 * names it by text; what counts is where that resolves: through a folder that links out of `root`, nothing goes.
 */
function removeOwnFile(root: string, file: string): void {
  const full = path.join(root, file);
  if (existsSync(full) && lstatSync(full).isFile() && resolvesWithin(root, path.dirname(full))) rmSync(full);
  for (const folder of ancestorsWithin(root, file).reverse()) {
    if (!existsSync(folder) || !lstatSync(folder).isDirectory() || readdirSync(folder).length > 0) break;
    rmdirSync(folder);
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

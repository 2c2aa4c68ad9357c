// The export's `outDir` (the node) or `--out` (the CLI): a copy of the export folder where the user chose (an LM
// Studio models folder, a repo checkout). A folder that is missing or empty is filled; one holding an earlier
// Crucible export (its README.md is a Crucible model card) is emptied and filled again; any other folder with files
// in it is refused unless `overwrite` is set — and even then only the files the export writes are replaced.

import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isCrucibleModelCard, MODEL_CARD_FILE } from './model-card.ts';

/** What happens to the target: filled (missing or empty), replaced (an earlier export), overwritten (foreign files kept). */
export type ExportTargetAction = 'filled' | 'replaced' | 'overwritten';

/** What copying into `target` would do; throws, before any work, when it must not be written. */
export function exportTargetAction(target: string, options: { overwrite: boolean }): ExportTargetAction {
  if (!path.isAbsolute(target)) throw new Error(`"${target}" is a relative path and there is no pipeline file to resolve it against; save the pipeline first or give an absolute path`);
  // The same resolved path copyExport empties and fills (`target` may hold `..` or a trailing separator).
  const folder = path.resolve(target);
  if (!existsSync(folder)) return 'filled';
  if (!lstatSync(folder).isDirectory()) throw new Error(`${target} is a file, not a folder`);
  if (readdirSync(folder).length === 0) return 'filled';
  if (isEarlierExport(folder)) return 'replaced';
  if (options.overwrite) return 'overwritten';
  throw new Error(`${target} is not empty and holds no earlier Crucible export (no ${MODEL_CARD_FILE} written by Crucible); choose an empty folder, or set overwrite to write over it (its other files are kept)`);
}

export function copyExport(exportFolder: string, target: string, options: { overwrite: boolean }): ExportTargetAction {
  const [from, to] = [path.resolve(exportFolder), path.resolve(target)];
  if (to === from || to.startsWith(`${from}${path.sep}`) || from.startsWith(`${to}${path.sep}`)) throw new Error(`${target} overlaps the export folder ${exportFolder}; choose a folder outside it`);
  const action = exportTargetAction(target, options);
  if (action === 'replaced') for (const entry of readdirSync(to)) rmSync(path.join(to, entry), { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
  return action;
}

function isEarlierExport(folder: string): boolean {
  const card = path.join(folder, MODEL_CARD_FILE);
  return existsSync(card) && lstatSync(card).isFile() && isCrucibleModelCard(readFileSync(card, 'utf8'));
}

// The dataset's check on this machine (its run module's `check`): a source whose real path is in a secret location
// is refused, one outside the pipeline's folder and the data directory is warned about, and secret-looking files a
// folder or glob holds are reported as skipped. `crucible validate`, the engine's validate and every run call it.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FingerprintContext, NodeCheckProblem } from '../../app/nodes/run-contract.ts';
import type { DatasetConfig } from '../capabilities/ingest.ts';
import { isWithin, listSourceFiles, namedPathOf, secretNamedPath, type NamedPath, type PathSource, type SkippedFile } from './sources.ts';

/** Where a source may point without a warning: the pipeline's folder tree and the engine's data directory. */
interface TrustedFolders {
  pipelineDir: string | null;
  dataDir: string;
  /** The same folders with symbolic links resolved. */
  real: string[];
}

export async function checkDatasetSources(context: FingerprintContext<DatasetConfig>): Promise<NodeCheckProblem[]> {
  const trusted = await trustedFolders(context.pipelineDir, context.dataDir);
  const problems: NodeCheckProblem[] = [];
  for (const [index, source] of context.config.sources.entries()) {
    context.signal.throwIfAborted();
    if ('path' in source) problems.push(...(await checkPathSource(source, `sources.${index}.path`, trusted)));
  }
  return problems;
}

async function checkPathSource(source: PathSource, field: string, trusted: TrustedFolders): Promise<NodeCheckProblem[]> {
  const named = await namedPathOf(source);
  if (!source.allowOutside) {
    const refused = secretNamedPath(named, source.path);
    if (refused) return [{ field, code: 'secret_source', severity: 'error', message: refused }];
  }
  // An unsaved pipeline has no folder: its relative paths start wherever the engine runs, so only others are judged.
  const judged = !source.allowOutside && (trusted.pipelineDir !== null || path.isAbsolute(source.path));
  const inside = isTrusted(named.realBase ?? named.base, trusted);
  const problems: NodeCheckProblem[] = [];
  if (judged && !inside) {
    const leads = named.realBase !== null && named.realBase !== named.base ? ` (it leads to "${named.realBase}")` : '';
    problems.push({ field, code: 'source_outside_project', severity: 'warning', message: `"${source.path}"${leads} is ${outsideMessage(trusted)}` });
  }
  // Walking an arbitrary tree (a teammate's "/" or "~") on every validate would be slow; the warning above stands
  // for it, and the read skips its secret-looking files all the same.
  if (!(inside || source.allowOutside) || !(await isFolderOrGlob(named))) return problems;
  const listing = await listSourceFiles(source).catch(() => null); // a missing or empty source fails the run, with its reason
  if (!listing) return problems;
  if (listing.skipped.length > 0) problems.push({ field, code: 'secret_file_skipped', severity: 'warning', message: skippedSecretsMessage(listing.skipped) });
  const linkedOut = judged ? listing.links.filter((link) => !isTrusted(link.real, trusted)) : [];
  if (linkedOut.length > 0) {
    const example = `e.g. "${linkedOut[0]!.file}" leads to "${linkedOut[0]!.real}"`;
    problems.push({ field, code: 'source_outside_project', severity: 'warning', message: `${linkedOut.length} file(s) it finds lead through symbolic links (${example}) to places ${outsideMessage(trusted)}` });
  }
  return problems;
}

/** The warning for secret-looking files a folder or glob found: how many, a few of them and what to do. */
export function skippedSecretsMessage(skipped: readonly SkippedFile[]): string {
  const shown = skipped.slice(0, 3).map((entry) => `"${entry.file}"${entry.real ? ` (leads to "${entry.real}")` : ''}, ${entry.location}`);
  const more = skipped.length > 3 ? `; and ${skipped.length - 3} more` : '';
  return (
    `${skipped.length} file(s) it finds look like secrets and are skipped: ${shown.join('; ')}${more}. ` +
    'Move them out of the folder or exclude them; to read one on purpose, name it as its own source with allowOutside: true'
  );
}

/** "outside ... . What it means, and what to do": follows "is" or "places". */
function outsideMessage(trusted: TrustedFolders): string {
  const where =
    trusted.pipelineDir === null
      ? `outside the data directory (${trusted.dataDir}), and this pipeline is not saved, so it has no folder of its own`
      : `outside the pipeline's folder (${trusted.pipelineDir}) and the data directory (${trusted.dataDir})`;
  return (
    `${where}. A pipeline file shared with you can point anywhere, and what it reads ends up in the corpus and in every model trained on it. ` +
    'Move the file into the pipeline\'s folder, or set allowOutside: true on this source if you mean it'
  );
}

async function trustedFolders(pipelineDir: string | null, dataDir: string): Promise<TrustedFolders> {
  const folders = [pipelineDir, dataDir].filter((folder): folder is string => folder !== null).map((folder) => path.resolve(folder));
  const real = await Promise.all(folders.map((folder) => realpath(folder).catch(() => folder)));
  return { pipelineDir, dataDir, real: [...new Set([...folders, ...real])] };
}

function isTrusted(file: string, trusted: TrustedFolders): boolean {
  return trusted.real.some((folder) => isWithin(file, folder));
}

async function isFolderOrGlob(named: NamedPath): Promise<boolean> {
  if (named.isGlob) return true;
  if (named.realBase === null) return false;
  return stat(named.realBase).then((info) => info.isDirectory(), () => false);
}

// Lists the files a dataset's path sources name (a file, a folder read recursively, or a glob), in a stable order.
// Every problem is a clear error naming the source, so a typo never turns into an empty corpus. Files a folder or
// glob finds that look like secrets (secret-paths.ts), by name or by where a symbolic link leads, are skipped.
// The fingerprint, the check and the read (engine/ingest/source-plan.ts) all list through it, so they agree.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { secretLocationOf, secretSourceMessage } from './secret-paths.ts';

export interface PathSource {
  path: string;
  include?: string[];
  exclude?: string[];
  allowOutside?: boolean;
}

/** Where a source points: its own path, the folder a glob starts from, and where symbolic links lead. */
export interface NamedPath {
  /** The source's path made absolute (relative ones against the working folder, as the read does). */
  absolute: string;
  /** The folder for a glob, else the path itself. */
  base: string;
  isGlob: boolean;
  /** The base with every symbolic link resolved; null when it does not exist. */
  realBase: string | null;
}

export interface SkippedFile {
  file: string;
  /** Why, as secretLocationOf says it. */
  location: string;
  /** Where a symbolic link leads, when that is what made it a secret. */
  real?: string;
}

export interface SourceListing {
  files: string[];
  /** Secret-looking files a folder or glob found; never read. */
  skipped: SkippedFile[];
  /** Found files that are symbolic links (or inside linked folders), with where they lead. */
  links: { file: string; real: string }[];
}

export async function namedPathOf(source: PathSource): Promise<NamedPath> {
  const absolute = path.resolve(source.path);
  const isGlob = isDynamicPattern(toGlob(source.path));
  const base = isGlob ? globBase(absolute) : absolute;
  return { absolute, base, isGlob, realBase: await realpath(base).catch(() => null) };
}

/** Why the source's own path is refused (unless allowOutside): where it is, or where its links lead. */
export function secretNamedPath(named: NamedPath, shownPath: string): string | null {
  const location = secretLocationOf(named.absolute);
  if (location) return secretSourceMessage(shownPath, location);
  const realLocation = named.realBase === null || named.realBase === named.base ? null : secretLocationOf(named.realBase);
  return realLocation ? secretSourceMessage(shownPath, realLocation, named.realBase!) : null;
}

export async function listSourceFiles(source: PathSource): Promise<SourceListing> {
  const named = await namedPathOf(source);
  // The dataset's checks refuse these before anything runs; this keeps the read safe when called on its own.
  const refused = source.allowOutside ? null : secretNamedPath(named, source.path);
  if (refused) throw new Error(refused);
  if (named.isGlob) return screenFound(await globFiles(source, named), named, source, 'glob');
  const info = await stat(named.absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new Error(`"${source.path}" does not exist; check the path (relative paths start at the pipeline file's folder)`);
    throw new Error(`cannot read "${source.path}": ${error.message}`);
  });
  if (info.isFile()) return { files: [source.path], skipped: [], links: [] };
  if (!info.isDirectory()) throw new Error(`"${source.path}" is neither a file nor a folder`);
  const found = await glob(source.include?.length ? source.include : ['**/*'], {
    cwd: named.absolute,
    absolute: true,
    onlyFiles: true,
    ignore: source.exclude ?? [],
    dot: false,
  });
  if (found.length === 0) throw new Error(`the folder "${source.path}" has no matching files`);
  return screenFound(found, named, source, 'folder');
}

/**
 * The files a glob source matches. It walks from the glob's base (the folder before its first wildcard), so include
 * and exclude are relative to that folder, as they are to a folder source's, wherever the engine runs.
 */
async function globFiles(source: PathSource, named: NamedPath): Promise<string[]> {
  const options = { cwd: named.base, absolute: true, onlyFiles: true, ignore: source.exclude ?? [], dot: false };
  const matched = await glob(toGlob(path.relative(named.base, named.absolute)), options);
  if (matched.length === 0) throw new Error(`the glob "${source.path}" matches no files; check the pattern and the folder it is relative to`);
  if (!source.include?.length) return matched;
  const included = new Set(await glob(source.include, options));
  const found = matched.filter((file) => included.has(file));
  if (found.length === 0) {
    const globs = source.include.map((pattern) => `"${pattern}"`).join(', ');
    throw new Error(`the glob "${source.path}" matches ${matched.length} file(s), but none of them matches include ${globs}; include and exclude globs are relative to "${named.base}", the folder before the first wildcard`);
  }
  return found;
}

/** Sorts what a folder or glob found and sets the secret-looking files aside. */
async function screenFound(found: string[], named: NamedPath, source: PathSource, kind: 'folder' | 'glob'): Promise<SourceListing> {
  const listing: SourceListing = { files: [], skipped: [], links: [] };
  // A base the user accepted in a secret location (allowOutside) is judged only by what lies below it.
  const acceptedBase = source.allowOutside === true && secretNamedPath(named, source.path) !== null;
  const judge = (file: string) => secretLocationBelow(file, acceptedBase ? [named.base, named.realBase] : []);
  for (const file of found.map((f) => path.resolve(f)).sort()) {
    const real = await realpath(file).catch(() => file);
    const linked = named.realBase !== null && real !== path.join(named.realBase, path.relative(named.base, file));
    const own = judge(file);
    const viaLink = own === null && linked ? judge(real) : null;
    if (own !== null) listing.skipped.push({ file, location: own });
    else if (viaLink !== null) listing.skipped.push({ file, location: viaLink, real });
    else {
      listing.files.push(file);
      if (linked) listing.links.push({ file, real });
    }
  }
  if (listing.files.length === 0) {
    const what = kind === 'glob' ? `the glob "${source.path}" matches` : `the folder "${source.path}" holds`;
    throw new Error(`${what} only files that look like secrets (e.g. "${listing.skipped[0]!.file}", ${listing.skipped[0]!.location}), which are never read this way; point the source at the text you mean`);
  }
  return listing;
}

/** secretLocationOf, but below the first of `bases` that holds the file (an accepted secret folder). */
function secretLocationBelow(file: string, bases: readonly (string | null)[]): string | null {
  const holder = bases.find((base) => base !== null && isWithin(file, base));
  return secretLocationOf(holder ? path.relative(holder, file) : file);
}

export function isWithin(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function toGlob(pattern: string): string {
  return pattern.split(path.sep).join('/');
}

/** The folder a glob starts from: its path up to the first segment with a wildcard. */
function globBase(absolutePattern: string): string {
  const segments = absolutePattern.split(path.sep);
  const firstDynamic = segments.findIndex((segment) => isDynamicPattern(segment));
  return segments.slice(0, firstDynamic).join(path.sep) || path.sep;
}

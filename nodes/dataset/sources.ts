// Lists the files a dataset's path sources name (a file, a folder read recursively, or a glob), in a stable order.
// Every problem is a clear error naming the source, so a typo never turns into an empty corpus.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export interface PathSource {
  path: string;
  include?: string[];
  exclude?: string[];
}

export async function listSourceFiles(source: PathSource): Promise<string[]> {
  if (isDynamicPattern(source.path.split(path.sep).join('/'))) {
    const files = await glob(source.path.split(path.sep).join('/'), { absolute: true, onlyFiles: true, ignore: source.exclude ?? [], dot: false });
    if (files.length === 0) throw new Error(`the glob "${source.path}" matches no files; check the pattern and the folder it is relative to`);
    return files.map((f) => path.resolve(f)).sort();
  }
  const info = await stat(source.path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new Error(`"${source.path}" does not exist; check the path (relative paths start at the pipeline file's folder)`);
    throw new Error(`cannot read "${source.path}": ${error.message}`);
  });
  if (info.isFile()) return [source.path];
  if (!info.isDirectory()) throw new Error(`"${source.path}" is neither a file nor a folder`);
  const files = await glob(source.include?.length ? source.include : ['**/*'], {
    cwd: source.path,
    absolute: true,
    onlyFiles: true,
    ignore: source.exclude ?? [],
    dot: false,
  });
  if (files.length === 0) throw new Error(`the folder "${source.path}" has no matching files`);
  return files.map((f) => path.resolve(f)).sort();
}

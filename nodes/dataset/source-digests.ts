// What a dataset records about each source file it reads: the sha256 of its bytes and the name a model card shows
// (app/artifacts/corpus-layout.ts, CorpusSource). The fingerprint hashes every file to key the cache; the read
// (engine/ingest/source-plan.ts) records the digest the fingerprint just took instead of reading the file again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isWithin } from './sources.ts';

/** Digests taken by hashSourceFile, by file; reused while the file's size, modification time and inode stay put. */
const recentDigests = new Map<string, { version: string; sha256: string }>();
/** Enough for the files of several large datasets; the oldest entries go first. */
const MAX_RECENT_DIGESTS = 10_000;

/** Reads and hashes the file, always (the fingerprint must see every edit), and remembers the digest. */
export async function hashSourceFile(file: string): Promise<string> {
  const version = await versionOf(file);
  const sha256 = await sha256OfFile(file);
  recentDigests.delete(file);
  recentDigests.set(file, { version, sha256 });
  if (recentDigests.size > MAX_RECENT_DIGESTS) recentDigests.delete(recentDigests.keys().next().value!);
  return sha256;
}

/**
 * The file's sha256: the one the fingerprint took for this run when the file has not changed since (so the digest
 * recorded is the one the cache key was made from), else read afresh.
 */
export async function sourceFileDigest(file: string): Promise<string> {
  const remembered = recentDigests.get(file);
  if (remembered !== undefined && remembered.version === (await versionOf(file))) return remembered.sha256;
  return hashSourceFile(file);
}

/**
 * The name a source file is recorded under: its path relative to the pipeline file's folder (with `/`) when it lies
 * inside it, else its file name alone, so a card never shows where on the machine (whose home folder) it was read.
 */
export function recordedSourcePath(file: string, pipelineDir: string | null): string {
  if (pipelineDir === null) return path.isAbsolute(file) || file.split(/[\\/]/).includes('..') ? path.basename(file) : toSlashes(file);
  const absolute = path.resolve(pipelineDir, file);
  return isWithin(absolute, pipelineDir) && absolute !== path.resolve(pipelineDir) ? toSlashes(path.relative(pipelineDir, absolute)) : path.basename(absolute);
}

function toSlashes(relative: string): string {
  return relative.split(path.sep).join('/');
}

async function versionOf(file: string): Promise<string> {
  const info = await stat(file).catch((error: Error) => {
    throw new Error(`cannot read "${file}": ${error.message}`);
  });
  return `${info.size}:${info.mtimeMs}:${info.ino}`;
}

function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const digest = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => digest.update(chunk))
      .on('error', (error) => reject(new Error(`cannot read "${file}": ${error.message}`)))
      .on('end', () => resolve(digest.digest('hex')));
  });
}

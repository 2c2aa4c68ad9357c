// The content-addressed download cache under <dataDir>/downloads: a file is stored once under its sha256, a URL
// is fetched only when no copy with its pinned hash is cached, and `crucible data add` registers local copies so
// pipelines that name a URL run offline.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface CachedFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface UrlSource {
  url: string;
  sha256?: string;
}

export interface DownloadHooks {
  signal: AbortSignal;
  /** Bytes received so far and the total when the server told it. */
  onProgress?(receivedBytes: number, totalBytes: number | null): void;
}

export function downloadsDir(dataDir: string): string {
  return path.join(dataDir, 'downloads');
}

export function cachedCopyPath(dataDir: string, sha256: string): string {
  return path.join(downloadsDir(dataDir), sha256);
}

/** Where the hash of an unpinned URL's last download is remembered, so it is not fetched again. */
function urlRecordPath(dataDir: string, url: string): string {
  return path.join(downloadsDir(dataDir), 'urls', `${createHash('sha256').update(url).digest('hex')}.json`);
}

/** Copies a local file into the cache under its sha256 (`crucible data add`). */
export async function registerLocalFile(dataDir: string, file: string): Promise<CachedFile & { alreadyCached: boolean }> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `"${file}" does not exist; give the path of a local copy of the file` : `cannot read "${file}": ${error.message}`);
  });
  if (!info.isFile()) throw new Error(`"${file}" is not a file; give the path of a local copy of the file`);
  return storeStream(dataDir, createReadStream(file), null);
}

/** A cached copy of the URL's content, downloading it when there is none; verified against the pinned sha256. */
export async function cachedUrlContent(dataDir: string, source: UrlSource, hooks: DownloadHooks): Promise<CachedFile & { downloaded: boolean }> {
  const cached = await findCachedCopy(dataDir, source);
  if (cached) return { ...cached, downloaded: false };
  const response = await requestUrl(source, hooks.signal);
  const totalBytes = Number(response.headers.get('content-length')) || null;
  let receivedBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      receivedBytes += chunk.length;
      hooks.onProgress?.(receivedBytes, totalBytes);
      done(null, chunk);
    },
  });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(counter);
  const stored = await storeStream(dataDir, body, source, hooks.signal);
  await mkdir(path.dirname(urlRecordPath(dataDir, source.url)), { recursive: true });
  await writeFile(urlRecordPath(dataDir, source.url), JSON.stringify({ url: source.url, sha256: stored.sha256, downloadedAt: new Date().toISOString() }));
  return { ...stored, downloaded: true };
}

async function findCachedCopy(dataDir: string, source: UrlSource): Promise<CachedFile | null> {
  const sha256 = source.sha256 ?? (await rememberedHash(dataDir, source.url));
  if (!sha256) return null;
  const info = await stat(cachedCopyPath(dataDir, sha256)).catch(() => null);
  return info?.isFile() ? { path: cachedCopyPath(dataDir, sha256), sha256, bytes: info.size } : null;
}

async function rememberedHash(dataDir: string, url: string): Promise<string | null> {
  const record = await readFile(urlRecordPath(dataDir, url), 'utf8').catch(() => null);
  if (record === null) return null;
  const parsed = JSON.parse(record) as { sha256?: unknown };
  return typeof parsed.sha256 === 'string' && /^[0-9a-f]{64}$/.test(parsed.sha256) ? parsed.sha256 : null;
}

async function requestUrl(source: UrlSource, signal: AbortSignal): Promise<Response> {
  const offlineHint = source.sha256
    ? `on a machine without internet, register a local copy first: crucible data add FILE (its sha256 must be ${source.sha256})`
    : 'pin the file with "sha256" and register a local copy with "crucible data add FILE" to run offline';
  let response: Response;
  try {
    response = await fetch(source.url, { signal, redirect: 'follow' });
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot download "${source.url}" (${cause?.code ?? cause?.message ?? (error as Error).message}) and no cached copy exists; check the address and the network, or ${offlineHint}`);
  }
  if (!response.ok || !response.body) {
    throw new Error(`cannot download "${source.url}": the server answered ${response.status} ${response.statusText} and no cached copy exists; check the address, or ${offlineHint}`);
  }
  return response;
}

/** Streams content into a temporary file while hashing it, verifies the pin, then moves it to its hash's name. */
async function storeStream(dataDir: string, content: Readable, pinned: UrlSource | null, signal?: AbortSignal): Promise<CachedFile & { alreadyCached: boolean }> {
  await mkdir(downloadsDir(dataDir), { recursive: true });
  const partial = path.join(downloadsDir(dataDir), `.partial-${randomUUID()}`);
  const digest = createHash('sha256');
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(content, hashing, createWriteStream(partial), signal ? { signal } : {});
    const sha256 = digest.digest('hex');
    if (pinned?.sha256 && pinned.sha256 !== sha256) {
      throw new Error(`"${pinned.url}" was downloaded but its sha256 is ${sha256}, not the pinned ${pinned.sha256}; the file changed upstream or the pin is wrong: check the file, then update the source's sha256`);
    }
    const target = cachedCopyPath(dataDir, sha256);
    const alreadyCached = (await stat(target).catch(() => null)) !== null;
    if (alreadyCached) await rm(partial, { force: true });
    else await rename(partial, target);
    return { path: target, sha256, bytes, alreadyCached };
  } finally {
    await rm(partial, { force: true });
  }
}

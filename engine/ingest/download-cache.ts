// The content-addressed download cache under <dataDir>/downloads: a file is stored once under its sha256, a URL
// is fetched only when no copy with its pinned hash is cached, and `crucible data add` registers local copies so
// pipelines that name a URL run offline. Large files (hub model weights) download resumably: see
// cachedResumableContent.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
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
  await rememberUrl(dataDir, source.url, stored.sha256);
  return { ...stored, downloaded: true };
}

async function rememberUrl(dataDir: string, url: string, sha256: string): Promise<void> {
  const record = urlRecordPath(dataDir, url);
  await mkdir(path.dirname(record), { recursive: true });
  const temp = `${record}.${randomUUID()}.tmp`;
  await writeFile(temp, JSON.stringify({ url, sha256, downloadedAt: new Date().toISOString() }));
  await rename(temp, record);
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

async function requestUrl(source: ResumableSource, signal: AbortSignal, rangeStart = 0): Promise<Response> {
  const offlineHint =
    source.offlineHint ??
    (source.sha256
      ? `on a machine without internet, register a local copy first: crucible data add FILE (its sha256 must be ${source.sha256})`
      : 'pin the file with "sha256" and register a local copy with "crucible data add FILE" to run offline');
  const label = source.label ?? source.url;
  const headers: Record<string, string> = { ...source.headers };
  if (rangeStart > 0) headers.range = `bytes=${rangeStart}-`;
  let response: Response;
  try {
    response = await fetch(source.url, { signal, redirect: 'follow', headers });
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot download "${label}" (${cause?.code ?? cause?.message ?? (error as Error).message}) and no cached copy exists; check the address and the network, or ${offlineHint}`);
  }
  if (rangeStart > 0 && response.status === 416) return response;
  if (!response.ok || !response.body) {
    throw new Error(`cannot download "${label}": the server answered ${response.status} ${response.statusText} and no cached copy exists; check the address, or ${offlineHint}`);
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
    return { ...(await moveIntoCache(dataDir, partial, sha256)), bytes };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Renames a verified file to its hash's name (atomic: same folder tree); a copy already there wins. */
async function moveIntoCache(dataDir: string, file: string, sha256: string): Promise<{ path: string; sha256: string; alreadyCached: boolean }> {
  const target = cachedCopyPath(dataDir, sha256);
  const alreadyCached = (await stat(target).catch(() => null)) !== null;
  if (alreadyCached) await rm(file, { force: true });
  else await rename(file, target);
  return { path: target, sha256, alreadyCached };
}

// Resumable downloads. An interrupted download keeps its bytes in downloads/partial/<sha256 of the URL>; the next
// attempt asks for the rest with `Range: bytes=N-`. A server that answers 200 (ignoring the range) starts the file
// over. The finished file is verified (size, then the pinned sha256) before it is renamed into the cache.

export interface ResumableSource extends UrlSource {
  /** Request headers such as Authorization; never stored or printed. */
  headers?: Record<string, string>;
  /** The size the file must have, when known. */
  bytes?: number;
  /** How messages name the file (the URL by default). */
  label?: string;
  /** What a failed download's message advises for running offline. */
  offlineHint?: string;
}

/** Where an interrupted download of `url` waits to be resumed. */
export function partialDownloadPath(dataDir: string, url: string): string {
  return path.join(downloadsDir(dataDir), 'partial', createHash('sha256').update(url).digest('hex'));
}

/** Downloads of one URL in this process, so two callers never write the same partial file at once. */
const downloadsInFlight = new Map<string, Promise<unknown>>();

/** A cached copy of the URL's content, downloading (or resuming) it when there is none; verified before it is kept. */
export async function cachedResumableContent(dataDir: string, source: ResumableSource, hooks: DownloadHooks): Promise<CachedFile & { downloaded: boolean }> {
  const cached = await findCachedCopy(dataDir, source);
  if (cached) return { ...cached, downloaded: false };
  const partial = partialDownloadPath(dataDir, source.url);
  const running = downloadsInFlight.get(partial);
  if (running) {
    // Another caller's download: wait for it, but a cancel of this caller's own ends this wait at once.
    await waitUnlessAborted(running, hooks.signal);
    return cachedResumableContent(dataDir, source, hooks);
  }
  const download = downloadResumably(dataDir, source, partial, hooks);
  downloadsInFlight.set(partial, download);
  try {
    return await download;
  } finally {
    downloadsInFlight.delete(partial);
  }
}

/** Settles when `work` does, or rejects with the signal's reason as soon as it aborts (leaving `work` running). */
async function waitUnlessAborted(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work.catch(() => undefined), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function downloadResumably(dataDir: string, source: ResumableSource, partial: string, hooks: DownloadHooks): Promise<CachedFile & { downloaded: true }> {
  await mkdir(path.dirname(partial), { recursive: true });
  let offset = (await stat(partial).catch(() => null))?.size ?? 0;
  if (source.bytes !== undefined && offset > source.bytes) offset = await startOver(partial);
  const label = source.label ?? source.url;
  // A range counts bytes of the encoded body, so the file is asked for as it is stored, never compressed in transit.
  const request = { ...source, headers: { ...source.headers, 'accept-encoding': 'identity' } };
  let response = await requestUrl(request, hooks.signal, offset);
  const nothingLeft = offset > 0 && response.status === 416;
  if (nothingLeft) await response.body?.cancel();
  else {
    if (offset > 0 && resumedFrom(response) !== offset) {
      offset = await startOver(partial);
      // A 200 carries the whole file; a 206 for some other range does not: ask again for all of it.
      if (response.status === 206) {
        await response.body?.cancel();
        response = await requestUrl(request, hooks.signal, 0);
      }
    }
    await appendBody(response, partial, offset, source, hooks);
  }
  const { sha256, bytes } = await hashFile(partial);
  if (source.bytes !== undefined && bytes < source.bytes && !nothingLeft) {
    throw new Error(`the download of "${label}" stopped after ${bytes} of ${source.bytes} bytes; the part received is kept: run again to resume`);
  }
  const problem = verificationProblem(source, sha256, bytes);
  if (problem) {
    await rm(partial, { force: true });
    // A stale or damaged partial file is the likely cause when the download was resumed: fetch it whole once more.
    if (offset > 0) return downloadResumably(dataDir, source, partial, hooks);
    throw new Error(`"${label}" was downloaded but ${problem}; the download was discarded. The file changed upstream or the expected hash is wrong`);
  }
  const stored = await moveIntoCache(dataDir, partial, sha256);
  if (!source.sha256) await rememberUrl(dataDir, source.url, sha256);
  return { path: stored.path, sha256, bytes, downloaded: true };
}

async function startOver(partial: string): Promise<number> {
  await truncate(partial, 0).catch(() => undefined);
  return 0;
}

/** Where a 206 answer's content starts ("Content-Range: bytes START-END/TOTAL"), or 0 for a whole-file answer. */
function resumedFrom(response: Response): number {
  if (response.status !== 206) return 0;
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : -1;
}

async function appendBody(response: Response, partial: string, offset: number, source: ResumableSource, hooks: DownloadHooks): Promise<void> {
  const length = Number(response.headers.get('content-length'));
  const totalBytes = source.bytes ?? (length > 0 ? offset + length : null);
  let receivedBytes = offset;
  hooks.onProgress?.(receivedBytes, totalBytes);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      receivedBytes += chunk.length;
      hooks.onProgress?.(receivedBytes, totalBytes);
      done(null, chunk);
    },
  });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    await pipeline(body, counter, createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }), { signal: hooks.signal });
  } catch (error) {
    if (hooks.signal.aborted) throw error;
    const of = totalBytes === null ? '' : ` of ${totalBytes}`;
    throw new Error(`the download of "${source.label ?? source.url}" stopped after ${receivedBytes}${of} bytes (${(error as Error).message}); the part received is kept: run again to resume`);
  }
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const digest = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    digest.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: digest.digest('hex'), bytes };
}

function verificationProblem(source: ResumableSource, sha256: string, bytes: number): string | null {
  if (source.bytes !== undefined && bytes !== source.bytes) return `it has ${bytes} bytes, not the expected ${source.bytes}`;
  if (source.sha256 && source.sha256 !== sha256) return `its sha256 is ${sha256}, not the expected ${source.sha256}`;
  return null;
}

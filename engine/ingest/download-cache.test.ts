import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../free-port.ts';
import { cachedCopyPath, cachedResumableContent, cachedUrlContent, partialDownloadPath, registerLocalFile } from './download-cache.ts';
import { IngestHarness } from './testing/ingest-harness.ts';
import { writeParquetFixture } from './testing/parquet-fixture.ts';

const CONTENT = 'To be, or not to be, that is the question.\n';
const SHA = createHash('sha256').update(CONTENT).digest('hex');
const signal = new AbortController().signal;

let server: Server;
let base: string;
let requests: string[] = [];
let ranges: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    ranges.push(request.headers.range);
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    if (request.url === '/ranged.txt' && start >= Buffer.byteLength(CONTENT)) response.writeHead(416).end();
    else if (request.url === '/ranged.txt' && start > 0) {
      const rest = Buffer.from(CONTENT).subarray(start);
      response.writeHead(206, { 'content-length': rest.length, 'content-range': `bytes ${start}-${Buffer.byteLength(CONTENT) - 1}/${Buffer.byteLength(CONTENT)}` }).end(rest);
    } else if (request.url?.startsWith('/text.txt') || request.url === '/ranged.txt') response.writeHead(200, { 'content-length': Buffer.byteLength(CONTENT) }).end(CONTENT);
    else response.writeHead(404).end('missing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crucible-downloads-'));
  dataDirs.push(dir);
  return dir;
}

/** An address on which nothing listens: a port that was just free. */
async function deadAddress(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/text.txt`;
}

describe('download cache', () => {
  it('downloads once into <dataDir>/downloads/<sha256> and reuses the copy after that', async () => {
    const dataDir = freshDataDir();
    requests = [];
    const progress: number[] = [];
    const first = await cachedUrlContent(dataDir, { url: `${base}/text.txt`, sha256: SHA }, { signal, onProgress: (received) => progress.push(received) });
    expect(first).toMatchObject({ downloaded: true, sha256: SHA, bytes: Buffer.byteLength(CONTENT), path: cachedCopyPath(dataDir, SHA) });
    expect(readFileSync(first.path, 'utf8')).toBe(CONTENT);
    expect(progress.at(-1)).toBe(Buffer.byteLength(CONTENT));
    const second = await cachedUrlContent(dataDir, { url: `${base}/text.txt`, sha256: SHA }, { signal });
    expect(second.downloaded).toBe(false);
    expect(requests).toEqual(['/text.txt']);
    expect(readdirSync(path.join(dataDir, 'downloads')).filter((name) => name.startsWith('.partial'))).toEqual([]);
  });

  it('remembers an unpinned URL so it is not fetched again', async () => {
    const dataDir = freshDataDir();
    requests = [];
    await cachedUrlContent(dataDir, { url: `${base}/text.txt?unpinned` }, { signal });
    const again = await cachedUrlContent(dataDir, { url: `${base}/text.txt?unpinned` }, { signal });
    expect(again).toMatchObject({ downloaded: false, sha256: SHA });
    expect(requests).toHaveLength(1);
  });

  it('rejects a download whose sha256 differs from the pin and caches nothing', async () => {
    const dataDir = freshDataDir();
    const wrong = '0'.repeat(64);
    await expect(cachedUrlContent(dataDir, { url: `${base}/text.txt`, sha256: wrong }, { signal })).rejects.toThrow(new RegExp(`sha256 is ${SHA}, not the pinned ${wrong}`));
    expect(readdirSync(path.join(dataDir, 'downloads'))).toEqual([]);
  });

  it('fails clearly for an unreachable URL or an HTTP error with no cached copy', async () => {
    const dataDir = freshDataDir();
    const dead = await deadAddress();
    await expect(cachedUrlContent(dataDir, { url: dead, sha256: SHA }, { signal })).rejects.toThrow(/cannot download .*ECONNREFUSED.*no cached copy exists.*crucible data add FILE \(its sha256 must be/);
    await expect(cachedUrlContent(dataDir, { url: `${base}/gone.txt` }, { signal })).rejects.toThrow(/server answered 404/);
  });

  it('registers a local file so a pipeline naming the URL and its sha256 runs offline', async () => {
    const dataDir = freshDataDir();
    const local = path.join(dataDir, 'local-copy.txt');
    writeFileSync(local, CONTENT);
    const registered = await registerLocalFile(dataDir, local);
    expect(registered).toMatchObject({ sha256: SHA, alreadyCached: false, bytes: Buffer.byteLength(CONTENT) });
    expect((await registerLocalFile(dataDir, local)).alreadyCached).toBe(true);
    const offline = await cachedUrlContent(dataDir, { url: await deadAddress(), sha256: SHA }, { signal });
    expect(offline).toMatchObject({ downloaded: false, path: cachedCopyPath(dataDir, SHA) });
    await expect(registerLocalFile(dataDir, path.join(dataDir, 'nope.txt'))).rejects.toThrow(/nope\.txt" does not exist/);
  });
});

describe('resumable downloads', () => {
  function withPartial(dataDir: string, url: string, content: string): void {
    mkdirSync(path.dirname(partialDownloadPath(dataDir, url)), { recursive: true });
    writeFileSync(partialDownloadPath(dataDir, url), content);
  }

  it('asks for the rest of a partial file, verifies the whole and remembers an unpinned URL', async () => {
    const dataDir = freshDataDir();
    const url = `${base}/ranged.txt`;
    withPartial(dataDir, url, CONTENT.slice(0, 10));
    ranges = [];
    const stored = await cachedResumableContent(dataDir, { url }, { signal });
    expect(stored).toMatchObject({ downloaded: true, sha256: SHA, bytes: Buffer.byteLength(CONTENT) });
    expect(ranges).toEqual(['bytes=10-']);
    expect(existsSync(partialDownloadPath(dataDir, url))).toBe(false);
    expect((await cachedResumableContent(dataDir, { url }, { signal })).downloaded).toBe(false);
    expect(ranges).toHaveLength(1);
  });

  it('finishes a partial file that already holds everything (416) and refetches one that fails the hash', async () => {
    const dataDir = freshDataDir();
    const url = `${base}/ranged.txt`;
    withPartial(dataDir, url, CONTENT);
    ranges = [];
    expect(await cachedResumableContent(dataDir, { url, sha256: SHA }, { signal })).toMatchObject({ downloaded: true, sha256: SHA });
    expect(ranges).toEqual([`bytes=${Buffer.byteLength(CONTENT)}-`]);
    const other = freshDataDir();
    withPartial(other, url, 'Not the right start');
    ranges = [];
    expect(await cachedResumableContent(other, { url, sha256: SHA }, { signal })).toMatchObject({ downloaded: true, sha256: SHA });
    expect(ranges).toEqual(['bytes=19-', undefined]);
  });
});

describe('URL sources in a dataset', () => {
  const harness = new IngestHarness();
  afterAll(() => harness.cleanup());

  it('reads a downloaded URL by its extension and works offline from the cache after that', async () => {
    const online = await harness.ingest({ sources: [{ url: `${base}/text.txt`, sha256: SHA }], valFraction: 0 });
    expect(online.train).toEqual([CONTENT]);
    expect(online.logs.join('\n')).toMatch(/downloaded http/);
    const dead = await deadAddress();
    const offline = await harness.ingest({ sources: [{ url: dead, sha256: SHA }], valFraction: 0 });
    expect(offline.train).toEqual([CONTENT]);
    expect(offline.logs.join('\n')).toMatch(/using the cached copy/);
  });

  it('inflates a gzipped URL whose address ends in a query or fragment, as Hugging Face "resolve" links do', async () => {
    const jsonl = harness.file('hub/train.jsonl.gz', gzipSync('{"text":"hello"}\n{"text":"world"}\n'));
    const parquet = harness.file('hub/train.parquet', '');
    await writeParquetFixture(parquet, { text: ['from parquet'] });
    const parquetGz = harness.file('hub/train.parquet.gz', gzipSync(readFileSync(parquet)));
    const dead = new URL(await deadAddress()).origin;
    const sources = [];
    for (const [file, address] of [[jsonl, '/train.jsonl.gz?download=true'], [parquetGz, '/train.parquet.gz#main']] as const) {
      sources.push({ url: `${dead}${address}`, sha256: (await registerLocalFile(harness.dataDir, file)).sha256 });
    }
    const corpus = await harness.ingest({ sources, valFraction: 0 });
    expect(corpus.train).toEqual(['hello', 'world', 'from parquet']);
  });
});

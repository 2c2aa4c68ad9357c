import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cachedCopyPath, partialDownloadPath } from '../ingest/download-cache.ts';
import { modelSnapshot } from './model-snapshot.ts';
import { SNAPSHOT_MANIFEST } from './snapshot-store.ts';
import { closedEndpoint, FakeHub, type FakeHubOptions } from './testing/fake-hub.ts';

const REPO = 'tiny-org/tiny-gpt2';
const REVISION = 'a'.repeat(40);
const WEIGHTS = randomBytes(96 * 1024);
const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const MODEL_FILES = {
  'config.json': '{"architectures":["GPT2LMHeadModel"]}',
  'tokenizer.json': '{"version":"1.0"}',
  'tokenizer_config.json': '{}',
  'chat_template.jinja': '{% for message in messages %}{{ message.content }}{% endfor %}',
  'model.safetensors': WEIGHTS,
  'README.md': '# not wanted',
  'pytorch_model.bin': 'never downloaded',
};
const signal = new AbortController().signal;

const folders: string[] = [];
const hubs: FakeHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crucible-hub-'));
  folders.push(dir);
  return dir;
}

async function startHub(files: FakeHubOptions['files'] = MODEL_FILES): Promise<FakeHub> {
  const hub = await FakeHub.start({ repo: REPO, revision: REVISION, files });
  hubs.push(hub);
  return hub;
}

const ref = { repo: REPO, revision: REVISION };
const partialOf = (dataDir: string, hub: FakeHub) => partialDownloadPath(dataDir, `${hub.endpoint}/${REPO}/resolve/${REVISION}/model.safetensors`);

describe('modelSnapshot', () => {
  it('downloads the wanted files into the cache, links them into the snapshot and reuses it offline', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    const progress: [string, number, number | null][] = [];
    const snapshot = await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {}, onProgress: (...update) => progress.push(update) });
    expect(snapshot.downloaded).toBe(true);
    expect(snapshot.folder).toBe(path.join(dataDir, 'models', 'tiny-org', 'tiny-gpt2', REVISION));
    expect(snapshot.files.map((file) => file.name).sort()).toEqual(['chat_template.jinja', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(snapshot.files.find((file) => file.name === 'model.safetensors')).toEqual({ name: 'model.safetensors', sha256: sha256(WEIGHTS), bytes: WEIGHTS.length });
    expect(readFileSync(path.join(snapshot.folder, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(readFileSync(cachedCopyPath(dataDir, sha256(MODEL_FILES['config.json'])), 'utf8')).toBe(MODEL_FILES['config.json']);
    expect(statSync(path.join(snapshot.folder, 'model.safetensors')).ino).toBe(statSync(cachedCopyPath(dataDir, sha256(WEIGHTS))).ino);
    const manifest = JSON.parse(readFileSync(path.join(snapshot.folder, SNAPSHOT_MANIFEST), 'utf8'));
    expect(manifest).toMatchObject({ repo: REPO, revision: REVISION, files: snapshot.files });
    expect(progress.at(-1)).toEqual(['model.safetensors', WEIGHTS.length, WEIGHTS.length]);
    expect(hub.downloads().map((request) => request.path).join(' ')).not.toMatch(/README|pytorch_model/);
    expect(hub.requests.every((request) => request.authorization === null)).toBe(true);

    const offline = await modelSnapshot(dataDir, ref, { signal, endpoint: await closedEndpoint(), env: {} });
    expect(offline).toEqual({ ...snapshot, downloaded: false });
  });

  it('downloads every shard a sharded index names', async () => {
    const dataDir = freshDataDir();
    const shards = { 'model-00001-of-00002.safetensors': randomBytes(1000), 'model-00002-of-00002.safetensors': randomBytes(700) };
    const index = { metadata: {}, weight_map: { 'h.0.attn.c_attn.weight': 'model-00001-of-00002.safetensors', 'wte.weight': 'model-00002-of-00002.safetensors', 'wpe.weight': 'model-00001-of-00002.safetensors' } };
    const hub = await startHub({ 'config.json': '{}', 'tokenizer.json': '{}', 'model.safetensors.index.json': JSON.stringify(index), ...shards });
    const snapshot = await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} });
    expect(snapshot.files.map((file) => file.name)).toEqual(['config.json', 'tokenizer.json', 'model.safetensors.index.json', ...Object.keys(shards)]);
    expect(readFileSync(path.join(snapshot.folder, 'model-00002-of-00002.safetensors')).equals(shards['model-00002-of-00002.safetensors'])).toBe(true);
  });

  it('does not download a cached file a second time', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} });
    rmSync(path.join(dataDir, 'models'), { recursive: true });
    hub.requests.length = 0;
    const again = await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} });
    expect(again.downloaded).toBe(false);
    expect(hub.downloads()).toEqual([]);
    expect(readFileSync(path.join(again.folder, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
  });

  it('refuses a file whose sha256 differs from the hub listing and keeps nothing of it', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    hub.corruptNextDownload('model.safetensors');
    await expect(modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} })).rejects.toThrow(
      new RegExp(`"model.safetensors of hub repo tiny-org/tiny-gpt2@aaaaaaaaaaaa" was downloaded but its sha256 is [0-9a-f]{64}, not the expected ${sha256(WEIGHTS)}; the download was discarded`),
    );
    expect(existsSync(cachedCopyPath(dataDir, sha256(WEIGHTS)))).toBe(false);
    expect(existsSync(partialOf(dataDir, hub))).toBe(false);
    expect(existsSync(path.join(dataDir, 'models', 'tiny-org', 'tiny-gpt2', REVISION, SNAPSHOT_MANIFEST))).toBe(false);
  });

  it('resumes an interrupted download with a Range request', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    hub.cutNextDownload('model.safetensors', 40_000);
    await expect(modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} })).rejects.toThrow(/download of "model.safetensors of hub repo .*" stopped after \d+ of 98304 bytes .*kept: run again to resume/);
    const kept = statSync(partialOf(dataDir, hub)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(WEIGHTS.length);
    hub.requests.length = 0;
    const progress: number[] = [];
    const snapshot = await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {}, onProgress: (file, received) => file === 'model.safetensors' && progress.push(received) });
    expect(hub.downloads().find((request) => request.path.endsWith('model.safetensors'))?.range).toBe(`bytes=${kept}-`);
    expect(progress[0]).toBe(kept);
    expect(readFileSync(path.join(snapshot.folder, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(existsSync(partialOf(dataDir, hub))).toBe(false);
  });

  it('starts over when the server answers a Range request with the whole file', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    hub.cutNextDownload('model.safetensors', 30_000);
    await expect(modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} })).rejects.toThrow(/run again to resume/);
    hub.ignoreRange = true;
    const snapshot = await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} });
    expect(hub.downloads().at(-1)?.range).toMatch(/^bytes=\d+-$/);
    expect(readFileSync(path.join(snapshot.folder, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
  });

  it('cancels on the signal and keeps the part received for the next attempt', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    hub.stallNextDownload('model.safetensors', 20_000);
    const controller = new AbortController();
    const onProgress = (file: string, received: number) => file === 'model.safetensors' && received >= 20_000 && setTimeout(() => controller.abort(), 50);
    await expect(modelSnapshot(dataDir, ref, { signal: controller.signal, endpoint: hub.endpoint, env: {}, onProgress })).rejects.toThrow(/abort/i);
    expect(statSync(partialOf(dataDir, hub)).size).toBe(20_000);
    await modelSnapshot(dataDir, ref, { signal, endpoint: hub.endpoint, env: {} });
    expect(hub.downloads().at(-1)?.range).toBe('bytes=20000-');
  });

  it('a run waiting on another run’s download of the same file stops at once on its own cancel', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    hub.stallNextDownload('model.safetensors', 1024);
    const first = new AbortController();
    const second = new AbortController();
    const downloading = modelSnapshot(dataDir, ref, { signal: first.signal, endpoint: hub.endpoint, env: {} }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first run's download has stalled
    const waiting = modelSnapshot(dataDir, ref, { signal: second.signal, endpoint: hub.endpoint, env: {} }).then(() => 'finished', (error: Error) => error.name);
    await new Promise((resolve) => setTimeout(resolve, 100));
    second.abort();
    expect(await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))])).toBe('AbortError');
    first.abort();
    await downloading;
  });

  it('sends HF_TOKEN as a bearer token and reads HF_ENDPOINT', async () => {
    const dataDir = freshDataDir();
    const hub = await startHub();
    await modelSnapshot(dataDir, ref, { signal, env: { HF_TOKEN: 'hf_secret', HF_ENDPOINT: `${hub.endpoint}/` } });
    expect(hub.requests.length).toBeGreaterThan(1);
    expect(hub.requests.every((request) => request.authorization === 'Bearer hf_secret')).toBe(true);
  });

  it('refuses an HF_TOKEN holding a line break without ever writing it into a message', async () => {
    const hub = await startHub();
    const failure = await modelSnapshot(freshDataDir(), ref, { signal, env: { HF_TOKEN: 'hf_FirstSecret\nhf_SecondSecret', HF_ENDPOINT: hub.endpoint } }).then(() => null, (error: Error) => error.message);
    expect(failure).toMatch(/HF_TOKEN holds a line break/);
    expect(failure).not.toMatch(/Secret/);
    expect(hub.requests).toEqual([]);
  });

  it('refuses a repo with only pickle weights, one without a tokenizer, and a branch name', async () => {
    const dataDir = freshDataDir();
    const pickles = await startHub({ 'config.json': '{}', 'tokenizer.json': '{}', 'pytorch_model.bin': 'pickle' });
    await expect(modelSnapshot(dataDir, ref, { signal, endpoint: pickles.endpoint, env: {} })).rejects.toThrow(
      /hub repo tiny-org\/tiny-gpt2@aaaaaaaaaaaa has its weights only as pickle files \(pytorch_model\.bin\); pickle files are never loaded .* Pin a revision of the repo that has model\.safetensors/,
    );
    expect(pickles.downloads()).toEqual([]);
    const noTokenizer = await startHub({ 'config.json': '{}', 'model.safetensors': 'x' });
    await expect(modelSnapshot(dataDir, ref, { signal, endpoint: noTokenizer.endpoint, env: {} })).rejects.toThrow(/has no tokenizer\.json; Crucible needs the tokenizer/);
    await expect(modelSnapshot(dataDir, { repo: REPO, revision: 'main' }, { signal, endpoint: noTokenizer.endpoint, env: {} })).rejects.toThrow(
      /revision "main" is not a commit sha; pin a commit: open the repo's 'Files and versions' page, copy the commit sha/,
    );
    await expect(modelSnapshot(dataDir, { repo: '../etc', revision: REVISION }, { signal, env: {} })).rejects.toThrow(/not a hub repo id/);
    expect(readdirSync(dataDir)).not.toContain('models');
  });

  it('says how to work offline when the hub cannot be reached, and what a 404 means', async () => {
    const dataDir = freshDataDir();
    await expect(modelSnapshot(dataDir, ref, { signal, endpoint: await closedEndpoint(), env: {} })).rejects.toThrow(
      /cannot reach the hub at http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED.*crucible models add DIR --repo tiny-org\/tiny-gpt2 --revision a{40}/,
    );
    const hub = await startHub();
    await expect(modelSnapshot(dataDir, { repo: 'tiny-org/other', revision: REVISION }, { signal, endpoint: hub.endpoint, env: {} })).rejects.toThrow(
      /the hub answered 404 .*check the repo id .*without HF_TOKEN/,
    );
  });
});

// The artifact store: staged writes become complete key folders in one rename; folders without a valid record
// are never hits; abandoned staging from dead processes is cleared on open.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACT_RECORD_FILE, openArtifactStore, summarizeArtifact } from './artifact-store.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'crucible-artifacts-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const record = (key: string, meta: Record<string, unknown> = {}) => ({ key, type: 'Corpus', port: 'text', nodeType: 'source', nodeId: 'src', runId: 'run-1', meta });

describe('ArtifactStore', () => {
  it('commits a staged folder under its key with artifact.json, size and time', async () => {
    const store = await openArtifactStore(dataDir);
    const staging = await store.stage();
    await writeFile(path.join(staging.outputDir('text'), 'a.txt'), 'hello');
    await mkdir(path.join(staging.outputDir('text'), 'sub'));
    await writeFile(path.join(staging.outputDir('text'), 'sub', 'b.txt'), '12345');
    const stored = await store.commit(staging, record('k1', { lines: 1 }));
    await store.discard(staging);

    expect(stored.path).toBe(path.join(dataDir, 'artifacts', 'k1'));
    expect((await readdir(stored.path)).sort()).toEqual(['a.txt', ARTIFACT_RECORD_FILE, 'sub']);
    expect(stored.record).toMatchObject({ key: 'k1', bytes: 10, meta: { lines: 1 } });
    expect(await store.get('k1')).toEqual(stored);
    expect(await store.has('k1')).toBe(true);
    expect((await store.list()).map((a) => a.record.key)).toEqual(['k1']);
    expect(summarizeArtifact(stored)).toEqual({ key: 'k1', port: 'text', type: 'Corpus', path: stored.path, bytes: 10, createdAt: stored.record.createdAt, madeBy: { runId: 'run-1', nodeId: 'src' } });
    expect(await readdir(store.stagingRoot)).toEqual([]);
  });

  it('never serves a folder without a valid artifact.json, and replaces it on commit', async () => {
    const store = await openArtifactStore(dataDir);
    await mkdir(path.join(store.root, 'half'), { recursive: true });
    await writeFile(path.join(store.root, 'half', 'model.bin'), 'partial');
    expect(await store.has('half')).toBe(false);
    await writeFile(path.join(store.root, 'half', ARTIFACT_RECORD_FILE), '{"key":"half"');
    expect(await store.get('half')).toBeNull();
    expect(await store.list()).toEqual([]);

    const staging = await store.stage();
    await writeFile(path.join(staging.outputDir('text'), 'model.bin'), 'complete');
    await store.commit(staging, record('half'));
    expect(await readFile(path.join(store.root, 'half', 'model.bin'), 'utf8')).toBe('complete');
    expect(await store.has('half')).toBe(true);
  });

  it('keeps the existing artifact when a key is committed twice, unless asked to replace it', async () => {
    const store = await openArtifactStore(dataDir);
    const commitText = async (text: string, replace: boolean) => {
      const staging = await store.stage();
      await writeFile(path.join(staging.outputDir('text'), 'a.txt'), text);
      await store.commit(staging, record('k'), { replace });
      await store.discard(staging);
    };
    await commitText('first', false);
    await commitText('second', false);
    expect(await readFile(path.join(store.root, 'k', 'a.txt'), 'utf8')).toBe('first');
    await commitText('third', true);
    expect(await readFile(path.join(store.root, 'k', 'a.txt'), 'utf8')).toBe('third');
    expect(await readdir(store.stagingRoot)).toEqual([]);
  });

  it('removes staging folders of dead processes when it opens, keeping live ones', async () => {
    const store = await openArtifactStore(dataDir);
    const live = await store.stage();
    const dead = path.join(store.stagingRoot, '999999999-abc');
    await mkdir(path.join(dead, 'text'), { recursive: true });
    await writeFile(path.join(dead, 'text', 'half.bin'), 'x');
    await openArtifactStore(dataDir);
    expect(await readdir(store.stagingRoot)).toEqual([path.basename(live.dir)]);
  });

  it('refuses keys and port names that are not safe folder names', async () => {
    const store = await openArtifactStore(dataDir);
    expect(() => store.pathOf('../escape')).toThrow(/not valid/);
    expect(await store.get('../escape')).toBeNull();
    const staging = await store.stage();
    expect(() => staging.outputDir('..')).toThrow(/cannot be a folder name/);
  });

  it('summarizes the folder an artifact was copied to (an export\'s outDir), and only a text one', async () => {
    const store = await openArtifactStore(dataDir);
    const commitWithMeta = async (key: string, meta: Record<string, unknown>) => store.commit(await store.stage(), record(key, meta));
    expect(summarizeArtifact(await commitWithMeta('copied', { copiedTo: '/models/mine' })).copiedTo).toBe('/models/mine');
    expect(summarizeArtifact(await commitWithMeta('not-copied', { copiedTo: null }))).not.toHaveProperty('copiedTo');
  });

  it("summarizes the facts a node recorded for people (the model node's), keeping only well-formed short ones", async () => {
    const store = await openArtifactStore(dataDir);
    const commitWithMeta = async (key: string, meta: Record<string, unknown>) => store.commit(await store.stage(), record(key, meta));
    const facts = [{ label: 'Parameters', value: '124.4M', note: '124,439,808' }, { label: 'Context', value: '1,024 tokens' }, { label: 'Broken', value: 3 }, 'text'];
    expect(summarizeArtifact(await commitWithMeta('with-facts', { facts })).facts).toEqual([{ label: 'Parameters', value: '124.4M', note: '124,439,808' }, { label: 'Context', value: '1,024 tokens' }]);
    expect(summarizeArtifact(await commitWithMeta('no-facts', { facts: 'none' }))).not.toHaveProperty('facts');
  });
});

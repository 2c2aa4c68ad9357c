import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedCopyPath } from '../ingest/download-cache.ts';
import { registerLocalModel } from './register-local-model.ts';
import { listSnapshots, readCompleteSnapshot, SNAPSHOT_MANIFEST } from './snapshot-store.ts';

const ref = { repo: 'tiny-org/tiny-gpt2', revision: 'b'.repeat(40) };
const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-register-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

describe('registerLocalModel', () => {
  it('copies a sharded folder into the cache and writes the snapshot manifest', async () => {
    const dataDir = path.join(root, 'data');
    const index = JSON.stringify({ weight_map: { a: 'model-1.safetensors', b: 'model-2.safetensors' } });
    const dir = folder('sharded', { 'config.json': '{}', 'tokenizer.json': '{"t":1}', 'special_tokens_map.json': '{}', 'model.safetensors.index.json': index, 'model-1.safetensors': 'one', 'model-2.safetensors': 'two', 'notes.txt': 'x' });
    const snapshot = await registerLocalModel(dataDir, dir, ref);
    expect(snapshot.files.map((file) => file.name)).toEqual(['config.json', 'tokenizer.json', 'special_tokens_map.json', 'model.safetensors.index.json', 'model-1.safetensors', 'model-2.safetensors']);
    const shaTwo = createHash('sha256').update('two').digest('hex');
    expect(readFileSync(cachedCopyPath(dataDir, shaTwo), 'utf8')).toBe('two');
    expect((await readCompleteSnapshot(dataDir, ref))?.source).toBe('folder');
    expect((await listSnapshots(dataDir)).map((found) => [found.repo, found.revision])).toEqual([[ref.repo, ref.revision]]);
    // A snapshot whose file went missing is not complete, so modelSnapshot would fetch it again.
    rmSync(path.join(snapshot.folder, 'model-2.safetensors'));
    expect(await readCompleteSnapshot(dataDir, ref)).toBeNull();
    await registerLocalModel(dataDir, dir, ref);
    expect(JSON.parse(readFileSync(path.join(snapshot.folder, SNAPSHOT_MANIFEST), 'utf8')).files).toHaveLength(6);
  });

  it('a second registration of one revision leaves only its own files: the earlier ones cannot be imported instead', async () => {
    const dataDir = path.join(root, 'again-data');
    const wrong = folder('wrong', { 'config.json': '{}', 'tokenizer.json': '{}', 'tokenizer_config.json': '{"chat_template":"old"}', 'model.safetensors': 'old weights' });
    await registerLocalModel(dataDir, wrong, ref);
    const index = JSON.stringify({ weight_map: { a: 'model-1.safetensors', b: 'model-2.safetensors' } });
    const right = folder('right', { 'config.json': '{}', 'tokenizer.json': '{}', 'model.safetensors.index.json': index, 'model-1.safetensors': 'one', 'model-2.safetensors': 'two' });
    const snapshot = await registerLocalModel(dataDir, right, ref);
    expect(readdirSync(snapshot.folder).sort()).toEqual(['config.json', 'crucible-snapshot.json', 'model-1.safetensors', 'model-2.safetensors', 'model.safetensors.index.json', 'tokenizer.json'].sort());
  });

  it('follows symbolic links, as in a Hugging Face cache snapshot folder', async () => {
    const dataDir = path.join(root, 'linked-data');
    const blobs = folder('blobs', { c: '{}', t: '{}', w: 'weights' });
    const snapshotDir = path.join(root, 'hf-snapshot');
    mkdirSync(snapshotDir);
    for (const [name, blob] of [['config.json', 'c'], ['tokenizer.json', 't'], ['model.safetensors', 'w']] as const) symlinkSync(path.join(blobs, blob), path.join(snapshotDir, name));
    const snapshot = await registerLocalModel(dataDir, snapshotDir, ref);
    expect(readFileSync(path.join(snapshot.folder, 'model.safetensors'), 'utf8')).toBe('weights');
  });

  it('refuses a folder without a config, without safetensors, with a missing shard, or that does not exist', async () => {
    const dataDir = path.join(root, 'refused');
    await expect(registerLocalModel(dataDir, folder('no-config', { 'tokenizer.json': '{}', 'model.safetensors': 'w' }), ref)).rejects.toThrow(/no-config" has no config\.json; Crucible needs the model config/);
    await expect(registerLocalModel(dataDir, folder('no-weights', { 'config.json': '{}', 'tokenizer.json': '{}' }), ref)).rejects.toThrow(/has no safetensors weights/);
    const index = JSON.stringify({ weight_map: { a: 'model-1.safetensors' } });
    await expect(registerLocalModel(dataDir, folder('missing-shard', { 'config.json': '{}', 'tokenizer.json': '{}', 'model.safetensors.index.json': index }), ref)).rejects.toThrow(
      /names the shard model-1\.safetensors, which is not in the folder/,
    );
    await expect(registerLocalModel(dataDir, path.join(root, 'nowhere'), ref)).rejects.toThrow(/nowhere" does not exist/);
    await expect(registerLocalModel(dataDir, folder('ok', { 'config.json': '{}', 'tokenizer.json': '{}', 'model.safetensors': 'w' }), { repo: ref.repo, revision: 'v1.0' })).rejects.toThrow(/pin a commit/);
  });
});

// The models capability end to end on tiny hub-layout folders: a local folder is imported on a worker thread into a
// Crucible model folder plus the Tokenizer output (tokenizer.json and tokenizer_config.json with the chat template);
// a hub repo pinned to a commit is downloaded through a local fake hub into the data directory once, then reused.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportModelProgress } from '../../nodes/capabilities/models.ts';
import { modelSnapshot } from '../hub/model-snapshot.ts';
import { FakeHub } from '../hub/testing/fake-hub.ts';
import { writeHubGpt2Folder } from '../ml/import/testing/hub-folder.ts';
import { createModelsCapability } from './models-capability.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-models-capability-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CONFIG = { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 32 };
const TEMPLATE = "{% for message in messages %}{{ message.role }}: {{ message.content }}\n{% endfor %}";
const REVISION = '0123456789abcdef0123456789abcdef01234567';

/** Fresh Model and Tokenizer output folders, as the executor stages them. */
function outputFolders(name: string): { modelFolder: string; tokenizerFolder: string } {
  const folders = { modelFolder: path.join(root, name, 'model'), tokenizerFolder: path.join(root, name, 'tokenizer') };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  return folders;
}

function hooks() {
  const progress: ImportModelProgress[] = [];
  const logs: string[] = [];
  return { progress, logs, hooks: { signal: new AbortController().signal, log: (line: string) => logs.push(line), onProgress: (update: ImportModelProgress) => progress.push(update) } };
}

describe('models capability', () => {
  it('imports a local folder (BF16, prefix-less names) and writes the Tokenizer output with the chat template', async () => {
    const folder = path.join(root, 'hub-gpt2');
    writeHubGpt2Folder(folder, { config: CONFIG, seed: 5, dtype: 'BF16', prefixed: false, chatTemplate: TEMPLATE });
    const { modelFolder, tokenizerFolder } = outputFolders('local');
    const run = hooks();
    const imported = await createModelsCapability().importModel({ source: { path: folder }, dataDir: path.join(root, 'data'), modelFolder, tokenizerFolder, provenance: { node: 'base' } }, run.hooks);
    expect(imported).toMatchObject({ architecture: 'GPT2LMHeadModel', family: 'gpt2', ...CONFIG, sourceDtype: 'BF16', hasChatTemplate: true, download: null });
    expect(imported.parameterCount).toBeGreaterThan(0);
    expect(imported.files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']));
    expect(existsSync(path.join(modelFolder, 'onnx', 'model.onnx'))).toBe(true);
    expect(readdirSync(tokenizerFolder).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(readFileSync(path.join(tokenizerFolder, 'tokenizer.json'), 'utf8')).toBe(readFileSync(path.join(folder, 'tokenizer.json'), 'utf8'));
    expect(JSON.parse(readFileSync(path.join(tokenizerFolder, 'tokenizer_config.json'), 'utf8')).chat_template).toBe(TEMPLATE);
    expect(imported.tokenizer).toMatchObject({ kind: 'byte-level-bpe', vocabSize: 300, hash: expect.stringMatching(/^sha256:/) });
    expect(run.progress.map((update) => update.stage)).toEqual(['importing', 'done']);
  }, 60_000);

  it('downloads a pinned hub repo into the data directory once, then imports it from the snapshot without the network', async () => {
    const folder = path.join(root, 'hub-files');
    writeHubGpt2Folder(folder, { config: CONFIG, seed: 6 });
    const files = Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(path.join(folder, name))]));
    const hub = await FakeHub.start({ repo: 'tiny/gpt2', revision: REVISION, files });
    try {
      const capability = createModelsCapability({ snapshot: (dataDir, ref, given) => modelSnapshot(dataDir, ref, { ...given, endpoint: hub.endpoint }) });
      const dataDir = path.join(root, 'hub-data');
      const importOnce = async (name: string) => {
        const run = hooks();
        const imported = await capability.importModel({ source: { repo: 'tiny/gpt2', revision: REVISION }, dataDir, ...outputFolders(name), provenance: {} }, run.hooks);
        return { imported, run };
      };
      const first = await importOnce('hub-1');
      expect(first.imported.download?.downloaded).toBe(true);
      expect(first.imported.download?.files.map((file) => file.name)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
      expect(first.run.progress.some((update) => update.stage === 'downloading' && update.file === 'model.safetensors')).toBe(true);
      const requests = hub.requests.length;
      const second = await importOnce('hub-2');
      expect(second.imported.download?.downloaded).toBe(false);
      expect(hub.requests.length).toBe(requests);
      expect(second.imported.parameterCount).toBe(first.imported.parameterCount);
    } finally {
      await hub.close();
    }
  }, 60_000);

  it('refuses a cancelled import before starting the worker', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const request = { source: { path: path.join(root, 'hub-gpt2') }, dataDir: root, modelFolder: path.join(root, 'x'), tokenizerFolder: path.join(root, 'y'), provenance: {} };
    await expect(createModelsCapability().importModel(request, { signal: controller.signal, log: () => undefined })).rejects.toThrow('stop');
  });
});

// The model node's fingerprint follows the content of the files the import reads (not READMEs or pickles), a hub
// source is keyed by its pinned commit, and the check refuses a folder that leads into a place holding secrets.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkModelFolder, modelFingerprint } from './folder-checks.ts';
import { modelConfig, type ModelConfig } from './spec.ts';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function modelFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'crucible-model-node-'));
  folders.push(folder);
  writeFileSync(path.join(folder, 'config.json'), '{"architectures":["GPT2LMHeadModel"]}');
  writeFileSync(path.join(folder, 'model.safetensors'), 'weights-1');
  writeFileSync(path.join(folder, 'tokenizer.json'), '{}');
  return folder;
}

const context = (config: Partial<ModelConfig>) => ({ nodeId: 'base', config: modelConfig.parse(config), pipelineDir: null, dataDir: '/data', signal: new AbortController().signal });

describe('modelFingerprint', () => {
  it('changes when a weights, config or tokenizer file changes, not when a README or a pickle does', async () => {
    const folder = modelFolder();
    const first = await modelFingerprint(context({ path: folder }));
    writeFileSync(path.join(folder, 'README.md'), '# gpt2');
    writeFileSync(path.join(folder, 'pytorch_model.bin'), 'pickle');
    expect(await modelFingerprint(context({ path: folder }))).toBe(first);
    writeFileSync(path.join(folder, 'model.safetensors'), 'weights-2');
    const second = await modelFingerprint(context({ path: folder }));
    expect(second).not.toBe(first);
    writeFileSync(path.join(folder, 'tokenizer_config.json'), '{"chat_template":"x"}');
    expect(await modelFingerprint(context({ path: folder }))).not.toBe(second);
  });

  it('changes when chat_template.jinja (newer models\' chat template) is added or edited', async () => {
    const folder = modelFolder();
    const without = await modelFingerprint(context({ path: folder }));
    writeFileSync(path.join(folder, 'chat_template.jinja'), '{{ messages }}');
    const first = await modelFingerprint(context({ path: folder }));
    expect(first).not.toBe(without);
    writeFileSync(path.join(folder, 'chat_template.jinja'), '{{ messages[0] }}');
    expect(await modelFingerprint(context({ path: folder }))).not.toBe(first);
  });

  it('keys a hub source by repo and revision, and a missing folder by its path', async () => {
    expect(await modelFingerprint(context({ repo: 'gpt2', revision: 'a'.repeat(40) }))).toBe(`hub\0gpt2\0${'a'.repeat(40)}`);
    expect(await modelFingerprint(context({ path: '/no/such/folder' }))).toBe('missing\0/no/such/folder');
  });
});

describe('checkModelFolder', () => {
  it('passes an ordinary folder and refuses one whose link leads into ~/.ssh', async () => {
    const folder = modelFolder();
    expect(await checkModelFolder(context({ path: folder }))).toEqual([]);
    const home = mkdtempSync(path.join(os.tmpdir(), 'crucible-model-home-'));
    folders.push(home);
    mkdirSync(path.join(home, '.ssh'));
    const link = path.join(home, 'models');
    symlinkSync(path.join(home, '.ssh'), link);
    expect(await checkModelFolder(context({ path: link }))).toEqual([
      { field: 'path', code: 'secret_source', severity: 'error', message: expect.stringContaining(`(it leads to "${path.join(home, '.ssh')}")`) },
    ]);
  });
});

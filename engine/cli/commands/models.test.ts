import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelSnapshot } from '../../hub/model-snapshot.ts';
import { closedEndpoint } from '../../hub/testing/fake-hub.ts';
import { runCli } from '../main.ts';
import { capturedIo } from '../testing/captured-io.ts';

const REPO = 'tiny-org/tiny-gpt2';
const REVISION = '0123456789abcdef0123456789abcdef01234567';
const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-models-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const fakeIo = (env: NodeJS.ProcessEnv = {}) => capturedIo({ cwd: root, env });

function modelFolder(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

describe('crucible models', () => {
  it('add registers a folder that a model snapshot then reads offline, and list shows it', async () => {
    const dataDir = path.join(root, 'data');
    modelFolder('gpt2-copy', { 'config.json': '{"n_layer":2}', 'tokenizer.json': '{}', 'model.safetensors': 'weights', 'pytorch_model.bin': 'pickle' });
    const add = fakeIo();
    expect(await runCli(['models', 'add', 'gpt2-copy', '--repo', REPO, '--revision', REVISION, '--data-dir', dataDir], add.io)).toBe(0);
    expect(add.stdout()).toMatch(new RegExp(`registered ${REPO} at ${REVISION}: 3 files`));
    expect(add.stdout()).toMatch(/model\.safetensors {2}7 B {2}sha256 [0-9a-f]{64}/);
    expect(add.stdout()).not.toContain('pytorch_model.bin');

    const snapshot = await modelSnapshot(dataDir, { repo: REPO, revision: REVISION }, { signal: new AbortController().signal, endpoint: await closedEndpoint(), env: {} });
    expect(snapshot.downloaded).toBe(false);
    expect(readFileSync(path.join(snapshot.folder, 'config.json'), 'utf8')).toBe('{"n_layer":2}');

    const list = fakeIo({ CRUCIBLE_DATA_DIR: dataDir });
    expect(await runCli(['models', 'list'], list.io)).toBe(0);
    expect(list.stdout()).toBe(`${REPO}  ${REVISION}  3 files, 22 B, registered\n`);
  });

  it('refuses a pickle-only folder and a branch name, and explains its usage', async () => {
    const dataDir = path.join(root, 'refusals');
    modelFolder('pickles', { 'config.json': '{}', 'tokenizer.json': '{}', 'pytorch_model.bin': 'pickle' });
    const pickles = fakeIo();
    expect(await runCli(['models', 'add', 'pickles', '--repo', REPO, '--revision', REVISION, '--data-dir', dataDir], pickles.io)).toBe(2);
    expect(pickles.stderr()).toMatch(/models add: folder ".*pickles" has its weights only as pickle files \(pytorch_model\.bin\); pickle files are never loaded .*safe_serialization=True/);
    const branch = fakeIo();
    expect(await runCli(['models', 'add', 'pickles', '--repo', REPO, '--revision', 'main', '--data-dir', dataDir], branch.io)).toBe(64);
    expect(branch.stderr()).toMatch(/revision "main" is not a commit sha; pin a commit/);
    const noRepo = fakeIo();
    expect(await runCli(['models', 'add', 'pickles'], noRepo.io)).toBe(64);
    expect(noRepo.stderr()).toMatch(/models add needs --repo ID and --revision SHA[\s\S]*models add DIR --repo ID --revision SHA/);
    const unknown = fakeIo();
    expect(await runCli(['models', 'remove'], unknown.io)).toBe(64);
    expect(unknown.stderr()).toMatch(/unknown models command "remove"/);
    const empty = fakeIo();
    expect(await runCli(['models', 'list', '--data-dir', path.join(root, 'empty')], empty.io)).toBe(0);
    expect(empty.stdout()).toMatch(/no models yet/);
  });
});

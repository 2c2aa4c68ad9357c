// `crucible export MODEL_DIR`: GGUF by default (q8_0) into ./NAME-QUANTIZATION, the next command printed, notes on
// stderr; --format hf; the outDir rules for --out; usage errors.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyModelFolder } from '../../inference/testing/tiny-model-folder.ts';
import { runCli } from '../main.ts';
import { capturedIo } from '../testing/captured-io.ts';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'crucible-export-cli-'));
const model = writeTinyModelFolder({ nEmbd: 32 });
afterAll(() => {
  model.remove();
  rmSync(cwd, { recursive: true, force: true });
});

const fakeIo = () => capturedIo({ cwd });

describe('crucible export', () => {
  it('writes GGUF q8_0 into ./NAME-q8_0 by default and prints the Ollama command', async () => {
    const run = fakeIo();
    expect(await runCli(['export', model.folder, '--name', 'bard'], run.io)).toBe(0);
    const out = path.join(cwd, 'bard-q8_0');
    expect(readFileSync(path.join(out, 'crucible/bard/Modelfile'), 'utf8')).toContain('FROM ./bard-Q8_0.gguf');
    expect(run.stdout()).toContain(`Exported ${model.folder} as GGUF Q8_0 to ${out}`);
    expect(run.stdout()).toContain(`Next: cd ${out} && ollama create bard -f crucible/bard/Modelfile`);
  });

  it('--format hf --out DIR: a Hugging Face repository; a second export replaces the first and keeps the user\'s files', async () => {
    const args = ['export', model.folder, '--name', 'bard', '--out', 'repo'];
    expect(await runCli([...args, '--format', 'hf'], fakeIo().io)).toBe(0);
    expect(existsSync(path.join(cwd, 'repo', 'model.safetensors'))).toBe(true);
    writeFileSync(path.join(cwd, 'repo', 'LICENSE'), 'mine');
    const again = fakeIo();
    expect(await runCli([...args, '--format', 'onnx'], again.io)).toBe(0);
    expect(again.stdout()).toContain('(replacing the earlier export)');
    expect(existsSync(path.join(cwd, 'repo', 'model.safetensors'))).toBe(false); // the hf export's, not the onnx one's
    expect(existsSync(path.join(cwd, 'repo', 'onnx', 'model.onnx'))).toBe(true);
    expect(readFileSync(path.join(cwd, 'repo', 'LICENSE'), 'utf8')).toBe('mine');
  });

  it('refuses a foreign non-empty --out without --overwrite, before exporting', async () => {
    mkdirSync(path.join(cwd, 'mine'));
    writeFileSync(path.join(cwd, 'mine', 'notes.txt'), 'keep');
    const run = fakeIo();
    expect(await runCli(['export', model.folder, '--out', 'mine'], run.io)).toBe(1);
    expect(run.stderr()).toMatch(/export: .*mine is not empty and holds no earlier Crucible export/);
    expect(await runCli(['export', model.folder, '--out', 'mine', '--overwrite'], fakeIo().io)).toBe(0);
    expect(readFileSync(path.join(cwd, 'mine', 'notes.txt'), 'utf8')).toBe('keep');
  });

  it('says what is wrong with its arguments', async () => {
    const badFormat = fakeIo();
    expect(await runCli(['export', model.folder, '--format', 'safetensors'], badFormat.io)).toBe(64);
    expect(badFormat.stderr()).toContain('export: --format:');
    const badName = fakeIo();
    expect(await runCli(['export', model.folder, '--name', 'My Model'], badName.io)).toBe(64);
    expect(badName.stderr()).toContain('--name "My Model" must be lowercase');
    const missing = fakeIo();
    expect(await runCli(['export', path.join(cwd, 'nothing-here')], missing.io)).toBe(1);
    expect(missing.stderr()).toMatch(/nothing-here: there is no such folder; check the path/);
  });
});

// Importing a hub folder gives a normal Crucible model folder: it loads with readModelFolder, keeps the tokenizer
// files and chat template, and its ONNX decoder computes the hub weights' logits (checked against the plain-loop
// reference forward written from transformers' GPT2LMHeadModel).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecoderSession } from '../export/decoder-session.ts';
import { MODEL_FILES, readModelFolder } from '../export/model-folder.ts';
import type { Gpt2Config } from '../gpt2/config.ts';
import { parameterCount } from '../gpt2/parameters.ts';
import { referenceGpt2Forward } from '../gpt2/reference-forward.ts';
import { readHubModel } from './hub-model.ts';
import { importHubModel } from './import-model.ts';
import { writeHubGpt2Folder } from './testing/hub-folder.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-import-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('importHubModel', () => {
  const hub = path.join(root, 'hub');
  writeHubGpt2Folder(hub, { config: { vocabSize: 300, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 32 }, seed: 3, dtype: 'BF16', prefixed: false, buffers: true, shards: 2 });
  const tokenizerConfigPath = path.join(hub, 'tokenizer_config.json');
  const tokenizerConfig = JSON.parse(readFileSync(tokenizerConfigPath, 'utf8'));
  writeFileSync(tokenizerConfigPath, JSON.stringify({ ...tokenizerConfig, chat_template: [{ name: 'default', template: '{{ messages[0].content }}' }, { name: 'rag', template: 'R' }] }));
  const output = path.join(root, 'model');
  const provenance = { node: { type: 'model', config: { path: hub } } };
  const imported = importHubModel(hub, output, provenance);
  const model = readHubModel(hub);
  const config = model.config as Gpt2Config;

  it('writes a Crucible model folder and says what it imported', () => {
    for (const name of [MODEL_FILES.config, MODEL_FILES.weights, MODEL_FILES.tokenizer, MODEL_FILES.tokenizerConfig, MODEL_FILES.decoder, MODEL_FILES.provenance, 'README.md']) {
      expect(imported.files, name).toContain(name);
      expect(existsSync(path.join(output, name)), name).toBe(true);
    }
    expect(imported).toMatchObject({ architecture: 'GPT2LMHeadModel', family: 'gpt2', config, hasChatTemplate: true, sourceDtype: 'BF16', parameterCount: parameterCount(config) });
    expect(JSON.parse(readFileSync(path.join(output, MODEL_FILES.provenance), 'utf8'))).toEqual(provenance);
    expect(readFileSync(path.join(output, MODEL_FILES.tokenizer), 'utf8')).toBe(readFileSync(path.join(hub, 'tokenizer.json'), 'utf8'));
  });

  it('keeps tokenizer_config.json with the chosen chat template as a string, as serving reads it', () => {
    const written = JSON.parse(readFileSync(path.join(output, MODEL_FILES.tokenizerConfig), 'utf8'));
    expect(written.chat_template).toBe('{{ messages[0].content }}');
    expect(written.eos_token).toBe(tokenizerConfig.eos_token);
  });

  it('loads with readModelFolder: the same config and the hub weights as float32', () => {
    const loaded = readModelFolder(output);
    expect(loaded.config).toEqual(model.config);
    for (const [name, tensor] of model.parameters) expect(loaded.parameters.get(name)?.data, name).toEqual(tensor.data);
  });

  it("its ONNX decoder gives the reference forward's logits on the hub weights", async () => {
    const tokens = [5, 17, 260, 2, 99, 299, 0, 42];
    const { logits: expected } = referenceGpt2Forward(config, model.parameters, [tokens], [tokens]);
    const loaded = readModelFolder(output);
    const decoder = await DecoderSession.create(loaded.config, readFileSync(loaded.decoderPath));
    const logits = await decoder.append(tokens);
    await decoder.release();
    expect(logits.length).toBe(expected.length);
    expect(Math.max(...expected.map(Math.abs)), 'logits spread well above the tolerance').toBeGreaterThan(0.1);
    const worst = expected.reduce((max, value, index) => Math.max(max, Math.abs(value - (logits[index] as number))), 0);
    expect(worst).toBeLessThan(1e-4);
  });
});

// Importing a Llama-family hub folder (SmolLM2's layout, sharded BF16) gives a Crucible model folder: Llama's HF
// config.json with the hub's special ids, the weights, the tokenizer and chat template, and an ONNX decoder whose
// logits are the training forward's on the imported weights.

import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecoderSession } from '../export/decoder-session.ts';
import { MODEL_FILES, readModelFolder } from '../export/model-folder.ts';
import { llamaParameterCount } from '../llama/parameters.ts';
import { familyLogits } from '../lora/testing/lora-support.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { llamaFamily } from '../train/llama-family.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { chatTemplateOf } from '../../tokenize/chat/index.ts';
import { readHubModel } from './hub-model.ts';
import { importHubModel } from './import-model.ts';
import { SMOLLM2_CHAT_TEMPLATE, writeHubLlamaFolder } from './testing/hub-llama-folder.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-import-llama-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('importHubModel on a Llama folder in SmolLM2\'s layout', () => {
  const hub = path.join(root, 'hub');
  writeHubLlamaFolder(hub, { seed: 4, dtype: 'BF16', shards: 2 });
  const output = path.join(root, 'model');
  const imported = importHubModel(hub, output, { node: { type: 'model' } });
  const model = readHubModel(hub);
  const config = model.config as LlamaConfig;

  it('says what it imported and writes Llama\'s config.json with the hub\'s special ids', () => {
    expect(imported).toMatchObject({ architecture: 'LlamaForCausalLM', family: 'llama', config, hasChatTemplate: true, sourceDtype: 'BF16', parameterCount: llamaParameterCount(config) });
    const written = JSON.parse(readFileSync(path.join(output, MODEL_FILES.config), 'utf8'));
    expect(written).toMatchObject({ architectures: ['LlamaForCausalLM'], model_type: 'llama', num_key_value_heads: 2, rope_theta: 100000, tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2 });
    expect(JSON.parse(readFileSync(path.join(output, MODEL_FILES.generationConfig), 'utf8'))).toMatchObject({ bos_token_id: 1, eos_token_id: 2 });
    expect(JSON.parse(readFileSync(path.join(output, MODEL_FILES.tokenizerConfig), 'utf8')).chat_template).toBe(SMOLLM2_CHAT_TEMPLATE);
  });

  it('loads with readModelFolder: the same LlamaConfig and the hub weights', () => {
    const loaded = readModelFolder(output);
    expect(loaded.config).toEqual(config);
    for (const [name, tensor] of model.parameters) expect(loaded.parameters.get(name)?.data, name).toEqual(tensor.data);
  });

  it('its ONNX decoder gives the training forward\'s logits on the imported weights', async () => {
    const tokens = [1, 57, 300, 2, 99, 319, 0, 42, 7, 200];
    const expected = await familyLogits(llamaFamily(config), model.parameters, hostTensor('int64', [1, tokens.length], tokens));
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

// transformers ≥ 4.5x saves the template to chat_template.jinja and leaves it out of tokenizer_config.json; when the file
// exists, transformers reads it in place of the JSON field. The import follows, and writes it where serving reads it.
describe('importHubModel takes the chat template from chat_template.jinja', () => {
  let folders = 0;
  function importWithJinja(chatTemplate: string | null, options: { tokenizerConfig?: 'keep' | 'drop' | Record<string, unknown> } = {}) {
    const hub = path.join(root, `jinja-${folders++}`);
    writeHubLlamaFolder(hub, { seed: 5, chatTemplate });
    writeFileSync(path.join(hub, 'chat_template.jinja'), SMOLLM2_CHAT_TEMPLATE);
    const configPath = path.join(hub, MODEL_FILES.tokenizerConfig);
    if (options.tokenizerConfig === 'drop') unlinkSync(configPath);
    else if (typeof options.tokenizerConfig === 'object') writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), ...options.tokenizerConfig }));
    const output = `${hub}-model`;
    const imported = importHubModel(hub, output, {});
    return { imported, written: JSON.parse(readFileSync(path.join(output, MODEL_FILES.tokenizerConfig), 'utf8')) as Record<string, unknown> };
  }

  it('with tokenizer_config.json holding no template (what save_pretrained writes now): the template is added to it', () => {
    const { imported, written } = importWithJinja(null);
    expect(imported.hasChatTemplate).toBe(true);
    expect(written).toMatchObject({ chat_template: SMOLLM2_CHAT_TEMPLATE, eos_token: '<|im_end|>', tokenizer_class: 'GPT2Tokenizer' });
  });

  it('beside a stale template in tokenizer_config.json, or a list without "default" there: the file wins', () => {
    expect(importWithJinja('{{ "STALE" }}').written.chat_template).toBe(SMOLLM2_CHAT_TEMPLATE);
    const broken = importWithJinja(null, { tokenizerConfig: { chat_template: [{ name: 'tool_use', template: 't' }] } });
    expect(broken.written.chat_template).toBe(SMOLLM2_CHAT_TEMPLATE);
  });

  it('with no tokenizer_config.json at all: one is created with the template and the model\'s own bos/eos tokens', () => {
    const { imported, written } = importWithJinja(null, { tokenizerConfig: 'drop' });
    expect(imported.files).toContain(MODEL_FILES.tokenizerConfig);
    expect(written).toMatchObject({ chat_template: SMOLLM2_CHAT_TEMPLATE, bos_token: '<|im_start|>', eos_token: '<|im_end|>', model_max_length: 64 });
    expect(chatTemplateOf(written)).toBe(SMOLLM2_CHAT_TEMPLATE);
  });
});

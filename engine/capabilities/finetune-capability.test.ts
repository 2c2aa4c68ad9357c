// The training capability's finetune on the ML worker thread: a LoRA run writes the merged model folder with the
// tokens' tokenizer files (chat template kept) and the PEFT adapter, reports what it trained and removes its
// checkpoints; a window longer than the model's context and tokens from another tokenizer are refused, clearly.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import type { FinetuneRequest } from '../../nodes/capabilities/training.ts';
import { finetuneConfig } from '../../nodes/finetune/spec.ts';
import { readModelFolder } from '../ml/export/model-folder.ts';
import { writeFinetuneFixture, type FinetuneFixture } from '../ml/train/testing/finetune-fixture.ts';
import { finetuneSettingsFrom } from './finetune-job.ts';
import { createTrainingCapability } from './training-capability.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-finetune-capability-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fixture: FinetuneFixture;
beforeAll(async () => {
  fixture = await writeFinetuneFixture(root);
});

const SCHEDULE = { maxSteps: 4, evalInterval: 2, checkpointInterval: 2, evalBatches: 2, warmupSteps: 1, learningRate: 1e-2, threads: 1, device: 'cpu' };

function request(name: string, config: Record<string, unknown>, tokensFolder = fixture.tokensFolder): FinetuneRequest {
  return {
    config: finetuneConfig.parse({ ...SCHEDULE, ...config }),
    modelFolder: fixture.modelFolder,
    modelKey: 'base-key',
    tokensFolder,
    tokensKey: `tokens-${name}`,
    dataDir: path.join(root, 'data'),
    outputFolder: path.join(root, 'out', name),
    provenance: { node: { id: name, type: 'finetune' } },
  };
}

function hooks(steps: TrainingStepReport[] = [], logs: string[] = []) {
  return { signal: new AbortController().signal, log: (line: string) => logs.push(line), onStep: (report: TrainingStepReport) => steps.push(report) };
}

describe('training capability: finetune', () => {
  it('trains LoRA adapters on the worker and writes the merged model, its tokenizer files and the PEFT adapter', async () => {
    const steps: TrainingStepReport[] = [];
    const logs: string[] = [];
    const result = await createTrainingCapability().finetune(request('lora', { method: 'lora', loraRank: 2, loraTargets: ['attn.c_attn', 'mlp.c_proj'] }), hooks(steps, logs));
    expect(steps.map((step) => step.step)).toEqual([1, 2, 3, 4]);
    expect(steps[1]?.valLoss).toBeGreaterThan(0);
    expect(logs.join('\n')).toMatch(/LoRA rank 2 \(alpha 16\) on attn.c_attn, mlp.c_proj/);
    const { nLayer, nHead, nEmbd, blockSize } = fixture.config;
    expect(result).toMatchObject({ method: 'lora', resumedFromStep: null, vocabSize: fixture.config.vocabSize, shape: { architecture: 'gpt2', nLayer, nHead, nEmbd, blockSize }, windowSize: blockSize });
    expect(result.trainedParameterCount).toBe(nLayer * 2 * (nEmbd + 3 * nEmbd + 4 * nEmbd + nEmbd));
    const folder = path.join(root, 'out', 'lora');
    expect(result.files).toEqual(expect.arrayContaining(['model.safetensors', 'tokenizer.json', 'tokenizer_config.json', path.join('adapter', 'adapter_config.json')]));
    expect(JSON.parse(readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8')).chat_template).toBe('{{ messages }}');
    expect(JSON.parse(readFileSync(path.join(folder, 'adapter', 'adapter_config.json'), 'utf8'))).toMatchObject({ r: 2, lora_alpha: 16, base_model_name_or_path: fixture.modelFolder });
    expect(JSON.parse(readFileSync(path.join(folder, 'crucible-provenance.json'), 'utf8')).finetune).toMatchObject({ method: 'lora', baseModelKey: 'base-key' });
    expect(readModelFolder(folder).parameters.size).toBe(fixture.parameters.size);
    expect(readdirSync(path.join(root, 'data', 'checkpoints', 'finetune'))).toEqual([]);
  });

  it('refuses a blockSize longer than the model’s context before it starts', async () => {
    await expect(createTrainingCapability().finetune(request('long', { blockSize: 64 }), hooks())).rejects.toThrow(/finetune: blockSize 64 is longer than the model's context \(16 positions\)/);
    expect(existsSync(path.join(root, 'out', 'long'))).toBe(false);
  });

  it('refuses tokens made by another tokenizer, saying how to make them with the model’s', async () => {
    await expect(createTrainingCapability().finetune(request('foreign', { method: 'full' }, fixture.foreignTokensFolder), hooks())).rejects.toThrow(/finetune: the tokens were made by a different tokenizer than the model's/);
  });

  it('maps the config onto the trainer’s settings with the model’s shape and its context as the default window', () => {
    const settings = finetuneSettingsFrom(finetuneConfig.parse({}), fixture.config);
    expect(settings).toMatchObject({ nLayer: fixture.config.nLayer, nHead: fixture.config.nHead, nEmbd: fixture.config.nEmbd, bias: true, blockSize: 16, dropout: 0, learningRate: 2e-4 });
    expect(settings).not.toHaveProperty('method');
    expect(settings).not.toHaveProperty('device');
    expect(finetuneSettingsFrom(finetuneConfig.parse({ blockSize: 8 }), fixture.config).blockSize).toBe(8);
  });
});

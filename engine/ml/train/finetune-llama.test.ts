// Fine-tuning an imported Llama (a SmolLM2-layout hub folder brought in with importHubModel): full fine-tuning starts
// from the folder's weights and lowers the val loss on new text; LoRA on q/k/v/o and gate/up/down trains only the
// adapters, and its export is a Llama folder with W + (alpha/r)·B·A merged, PEFT's Llama adapter and the base model's
// special ids (<|im_end|> ends a turn); an interrupted LoRA run resumes to the same adapters.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHuggingFaceTokenizer } from '../../tokenize/index.ts';
import { MODEL_FILES, readModelFolder } from '../export/model-folder.ts';
import { importHubModel } from '../import/import-model.ts';
import { writeHubLlamaFolder } from '../import/testing/hub-llama-folder.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { mergeLora, readPeftAdapter, type LoraOptions } from '../lora/index.ts';
import { ADAPTER_FOLDER, writeFinetunedModel } from './finetune-export.ts';
import type { FinetuneJob } from './finetune-setup.ts';
import { trainRecording } from './testing/cancelled-training.ts';
import { writeTokens } from './testing/finetune-fixture.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './testing/tiny-settings.ts';
import { trainModel, type TrainingResult } from './trainer.ts';
import type { TrainingJob, TrainingSettings } from './training-settings.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-finetune-llama-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LORA: LoraOptions = { rank: 4, alpha: 8, dropout: 0, targets: ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] };
const modelFolder = path.join(root, 'model');
let config: LlamaConfig;
let tokensFolder: string;
let settings: TrainingSettings;

beforeAll(() => {
  const hub = path.join(root, 'hub');
  writeHubLlamaFolder(hub, { seed: 2 });
  config = importHubModel(hub, modelFolder, { node: { type: 'model' } }).config as LlamaConfig;
  const tokenizer = loadHuggingFaceTokenizer(readFileSync(path.join(modelFolder, MODEL_FILES.tokenizer), 'utf8'));
  tokensFolder = writeTokens(path.join(root, 'tokens'), tokenizer, shakespeareExcerpt(6000));
  settings = { ...TINY_SETTINGS, nLayer: config.nLayer, nHead: config.nHead, nEmbd: config.nEmbd, bias: false, blockSize: 32, maxSteps: 30, evalInterval: 30, checkpointInterval: 1000, learningRate: 1e-2, warmupSteps: 2, weightDecay: 0 };
});

function jobFor(name: string, finetune: Partial<FinetuneJob>, overrides: Partial<TrainingSettings> = {}): TrainingJob {
  return {
    settings: { ...settings, ...overrides },
    trainShard: path.join(tokensFolder, 'train'),
    valShard: path.join(tokensFolder, 'val'),
    checkpointDir: path.join(root, 'checkpoints', name),
    finetune: { modelFolder, modelKey: 'smollm2-key', method: 'full', ...finetune },
  };
}

describe('fine-tuning an imported Llama', () => {
  it('full: every weight trains from the imported ones and the val loss falls well below the untouched model\'s', async () => {
    const { reports, result } = await trainRecording(jobFor('full', {}));
    const trained = result as TrainingResult;
    expect(trained.config).toMatchObject({ architecture: 'llama', nKvHead: 2, blockSize: 64 });
    const first = reports[0]?.loss as number;
    expect(first).toBeGreaterThan(Math.log(config.vocabSize) - 1.5);
    expect(trained.metrics.valLoss).toBeLessThan(first - 1);
    const base = readModelFolder(modelFolder).parameters;
    expect(trained.parameters.get('model.layers.1.self_attn.k_proj.weight')?.data).not.toEqual(base.get('model.layers.1.self_attn.k_proj.weight')?.data);
  });

  it('LoRA on all seven projections: the base stays frozen, the export merges B·A into [out, in] weights and keeps <|im_end|> as EOS', async () => {
    const { result } = await trainRecording(jobFor('lora', { method: 'lora', lora: LORA }, { maxSteps: 6 }));
    const trained = result as TrainingResult;
    const base = readModelFolder(modelFolder).parameters;
    for (const [name, tensor] of base) expect(trained.parameters.get(name)?.data, name).toEqual(tensor.data);
    const b = trained.parameters.get('model.layers.0.self_attn.v_proj.lora_B');
    expect(b?.shape).toEqual([16, 4]);
    expect(Math.max(...Array.from(b?.data as Float32Array, Math.abs))).toBeGreaterThan(0);

    const folder = path.join(root, 'lora-model');
    const written = writeFinetunedModel({ folder, tokenizerJsonPath: path.join(modelFolder, MODEL_FILES.tokenizer), tokenizerConfigJsonPath: path.join(modelFolder, MODEL_FILES.tokenizerConfig), provenance: { node: { type: 'finetune' } }, baseModel: 'HuggingFaceTB/SmolLM2-135M-Instruct' }, { modelFolder, modelKey: 'smollm2-key', method: 'lora', lora: LORA }, trained);
    expect(written.files).toEqual(expect.arrayContaining([path.join(ADAPTER_FOLDER, 'adapter_config.json'), path.join(ADAPTER_FOLDER, 'adapter_model.safetensors')]));
    const merged = readModelFolder(folder);
    expect(merged.config).toEqual(config);
    const expected = mergeLora(config, trained.parameters, LORA);
    for (const [name, tensor] of expected) expect(merged.parameters.get(name)?.data, name).toEqual(tensor.data);
    expect(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.config), 'utf8'))).toMatchObject({ model_type: 'llama', eos_token_id: 2, bos_token_id: 1 });
    const adapter = readPeftAdapter(path.join(folder, ADAPTER_FOLDER));
    expect(adapter.options).toEqual(LORA);
    expect(adapter.baseModel).toBe('HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(adapter.adapters.get('model.layers.1.mlp.down_proj.lora_A')?.data).toEqual(trained.parameters.get('model.layers.1.mlp.down_proj.lora_A')?.data);
  });

  it('LoRA resumes after an interruption to the adapters of an uninterrupted run', async () => {
    const job = jobFor('lora-resume', { method: 'lora', lora: LORA }, { maxSteps: 6, checkpointInterval: 3 });
    const whole = (await trainRecording({ ...job, checkpointDir: path.join(root, 'checkpoints', 'lora-whole') })).result as TrainingResult;
    await trainRecording(job, 4);
    const resumed = await trainModel(job);
    expect(resumed.resumedFromStep).toBe(3);
    for (const name of ['model.layers.0.self_attn.q_proj.lora_B', 'model.layers.1.mlp.gate_proj.lora_A']) {
      expect(resumed.parameters.get(name)?.data, name).toEqual(whole.parameters.get(name)?.data);
    }
  });

  it('refuses GPT-2 LoRA targets on the Llama, naming its layers', async () => {
    await expect(trainModel(jobFor('wrong-targets', { method: 'lora', lora: { ...LORA, targets: ['attn.c_attn'] } }, { maxSteps: 1 }))).rejects.toThrow(/lora: targets \[attn.c_attn\] are not layers of this Llama model; its linear layers are self_attn.q_proj/);
  });
});

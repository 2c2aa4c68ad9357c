// Fine-tuning a model folder (the finetune node's training job): full fine-tuning starts from the folder's weights
// (its first loss is the model's own loss on that batch) and lowers the val loss on the new text; LoRA trains only the
// adapters, its merged export equals base + (alpha/r)·(B·A)ᵀ and its PEFT adapter holds the trained A and B; an
// interrupted run resumes to the same weights; foreign tokenizers, too-long windows, other shapes and ids past the
// embedding table are refused (a table padded past the tokenizer is fine).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFolder, writeModelFolder } from '../export/model-folder.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { loraAdapterNames, readPeftAdapter, type LoraOptions } from '../lora/index.ts';
import { ADAPTER_FOLDER, writeFinetunedModel } from './finetune-export.ts';
import type { FinetuneJob } from './finetune-setup.ts';
import { LossEvaluator } from './loss-evaluator.ts';
import { trainRecording } from './testing/cancelled-training.ts';
import { writeFinetuneFixture, type FinetuneFixture } from './testing/finetune-fixture.ts';
import { fixedWindowStarts, RandomWindowSampler, readBatch, TokenShardReader } from './token-windows.ts';
import { SEED_OFFSETS, trainGpt2, type StepReport, type TrainingResult } from './trainer.ts';
import type { TrainingJob, TrainingSettings } from './training-settings.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-finetune-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fixture: FinetuneFixture;
beforeAll(async () => {
  fixture = await writeFinetuneFixture(root);
});

const LORA: LoraOptions = { rank: 4, alpha: 8, dropout: 0, targets: ['attn.c_attn', 'mlp.c_fc'] };

function jobFor(name: string, finetune: Partial<FinetuneJob> = {}, settings: Partial<TrainingSettings> = {}, tokensFolder = fixture.tokensFolder): TrainingJob {
  return {
    settings: { ...fixture.settings, ...settings },
    trainShard: path.join(tokensFolder, 'train'),
    valShard: path.join(tokensFolder, 'val'),
    checkpointDir: path.join(root, 'checkpoints', name),
    finetune: { modelFolder: fixture.modelFolder, modelKey: 'model-key', method: 'full', ...finetune },
  };
}

/** The model's own val loss on the windows the trainer evaluates. */
async function untouchedValLoss(settings: TrainingSettings): Promise<number> {
  const reader = TokenShardReader.open(path.join(fixture.tokensFolder, 'val'));
  const shape = { batch: settings.batchSize, time: settings.blockSize };
  const starts = fixedWindowStarts(reader, shape, settings.evalBatches, settings.seed + SEED_OFFSETS.valWindows, 'val');
  const evaluator = await LossEvaluator.create(fixture.config, shape, 1);
  try {
    return await evaluator.meanLoss(fixture.parameters, starts.map((rowStarts) => readBatch(reader, rowStarts, shape.time)));
  } finally {
    await evaluator.release();
    reader.close();
  }
}

describe('full fine-tuning', () => {
  it('starts from the model folder’s weights and lowers its val loss on the new text', async () => {
    const settings = { ...fixture.settings, maxSteps: 30, evalInterval: 30, learningRate: 2e-2, warmupSteps: 2 };
    const { reports, result } = await trainRecording(jobFor('full-learns', {}, settings));
    const reader = TokenShardReader.open(path.join(fixture.tokensFolder, 'train'));
    const firstBatch = new RandomWindowSampler(reader, { batch: settings.batchSize, time: settings.blockSize }, settings.seed + SEED_OFFSETS.trainWindows).next();
    const evaluator = await LossEvaluator.create(fixture.config, { batch: settings.batchSize, time: settings.blockSize }, 1);
    expect(reports[0]?.loss).toBeCloseTo(await evaluator.batchLoss(fixture.parameters, firstBatch), 5);
    await evaluator.release();
    reader.close();
    const before = await untouchedValLoss(settings);
    expect(result?.metrics.valLoss).toBeLessThan(before - 0.1);
  });

  it('trains on windows shorter than the context, and refuses longer ones', async () => {
    expect(fixture.config.blockSize).toBe(16);
    const { result } = await trainRecording(jobFor('full-short', {}, { blockSize: 8, maxSteps: 2 }));
    expect(result?.config.blockSize).toBe(16);
    expect(result?.parameters.get('transformer.wpe.weight')?.shape).toEqual([16, fixture.config.nEmbd]);
    await expect(trainGpt2(jobFor('full-long', {}, { blockSize: 32 }))).rejects.toThrow(/finetune: blockSize 32 is longer than the model's context \(16 positions\); set blockSize to 16 or less/);
  });

  it('refuses tokens from another tokenizer, even one of the same size, and settings of another shape', async () => {
    await expect(trainGpt2(jobFor('foreign', {}, {}, fixture.foreignTokensFolder))).rejects.toThrow(/finetune: the tokens were made by a different tokenizer than the model's .*tokenize the data with the model's tokenizer/);
    await expect(trainGpt2(jobFor('shape', {}, { nLayer: 3 }))).rejects.toThrow(/finetune: the settings' nLayer \(3\) is not the model's \(1/);
  });
});

describe('vocabulary', () => {
  /** A model folder of the fixture's shape and tokenizer whose embedding table has `extra` more (or fewer) rows. */
  function modelWithVocabulary(name: string, extra: number): string {
    const config = { ...fixture.config, vocabSize: fixture.config.vocabSize + extra };
    const folder = path.join(root, name);
    writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, 1), tokenizerJsonPath: path.join(fixture.tokensFolder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: {} });
    return folder;
  }

  it('trains a model whose embedding table is padded past its tokenizer, and refuses one too small for the ids', async () => {
    const padded = await trainGpt2(jobFor('padded', { modelFolder: modelWithVocabulary('padded-model', 3) }, { maxSteps: 1 }));
    expect(padded.config.vocabSize).toBe(fixture.config.vocabSize + 3);
    await expect(trainGpt2(jobFor('small', { modelFolder: modelWithVocabulary('small-model', -1) }, { maxSteps: 1 }))).rejects.toThrow(/finetune: the tokens' vocabulary \(\d+ ids\) is larger than the model's embedding table/);
  });
});

describe('LoRA fine-tuning', () => {
  it('trains only the adapters; the export merges base + (alpha/r)·(B·A)ᵀ and writes the PEFT adapter', async () => {
    const { result } = await trainRecording(jobFor('lora', { method: 'lora', lora: LORA }, { maxSteps: 4 }));
    const trained = result as TrainingResult;
    for (const [name, tensor] of fixture.parameters) expect(trained.parameters.get(name)?.data, name).toEqual(tensor.data);
    const adapterNames = loraAdapterNames(fixture.config, LORA);
    expect(adapterNames).toHaveLength(4);
    const b = trained.parameters.get('transformer.h.0.attn.c_attn.lora_B');
    expect(Math.max(...Array.from(b?.data as Float32Array, Math.abs))).toBeGreaterThan(0);

    const folder = path.join(root, 'lora-model');
    const finetune = { modelFolder: fixture.modelFolder, modelKey: 'model-key', method: 'lora' as const, lora: LORA };
    const written = writeFinetunedModel({ folder, tokenizerJsonPath: path.join(fixture.tokensFolder, 'tokenizer.json'), tokenizerConfigJsonPath: path.join(fixture.tokensFolder, 'tokenizer_config.json'), provenance: { node: { type: 'finetune' } }, baseModel: 'tiny/base' }, finetune, trained);
    expect(written.files).toEqual(expect.arrayContaining([path.join(ADAPTER_FOLDER, 'adapter_config.json'), path.join(ADAPTER_FOLDER, 'adapter_model.safetensors'), 'tokenizer_config.json']));
    expect(written.trainedParameterCount).toBe(adapterNames.reduce((total, name) => total + (trained.parameters.get(name)?.data.length ?? 0), 0));
    expect(JSON.parse(readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8')).chat_template).toBe('{{ messages }}');
    const provenance = JSON.parse(readFileSync(path.join(folder, 'crucible-provenance.json'), 'utf8'));
    expect(provenance.finetune).toEqual({ method: 'lora', baseModel: 'tiny/base', baseModelKey: 'model-key', lora: LORA });

    const merged = readModelFolder(folder).parameters;
    const [inFeatures, outFeatures, rank] = [fixture.config.nEmbd, 3 * fixture.config.nEmbd, LORA.rank];
    const [w, a] = [fixture.parameters.get('transformer.h.0.attn.c_attn.weight')?.data as Float32Array, trained.parameters.get('transformer.h.0.attn.c_attn.lora_A')?.data as Float32Array];
    const mergedW = merged.get('transformer.h.0.attn.c_attn.weight')?.data as Float32Array;
    let largest = 0;
    for (let i = 0; i < inFeatures; i++) {
      for (let o = 0; o < outFeatures; o++) {
        let ba = 0;
        for (let k = 0; k < rank; k++) ba += (b?.data[o * rank + k] as number) * (a[k * inFeatures + i] as number);
        largest = Math.max(largest, Math.abs((mergedW[i * outFeatures + o] as number) - ((w[i * outFeatures + o] as number) + (LORA.alpha / LORA.rank) * ba)));
      }
    }
    expect(largest).toBeLessThan(1e-6);
    expect(merged.get('transformer.h.0.attn.c_proj.weight')?.data).toEqual(fixture.parameters.get('transformer.h.0.attn.c_proj.weight')?.data);

    const adapter = readPeftAdapter(path.join(folder, ADAPTER_FOLDER));
    expect(adapter.baseModel).toBe('tiny/base');
    for (const name of adapterNames) expect(adapter.adapters.get(name)?.data, name).toEqual(trained.parameters.get(name)?.data);
  });
});

describe('resuming a fine-tune', () => {
  for (const [label, finetune] of [['full', { method: 'full' }], ['lora', { method: 'lora', lora: { ...LORA, dropout: 0.1 } }]] as const) {
    it(`resumes a cancelled ${label} fine-tune to the same weights as an uninterrupted one`, async () => {
      const settings = { dropout: 0.1 };
      const straight = await trainRecording(jobFor(`straight-${label}`, finetune, settings));
      const cancelled = await trainRecording(jobFor(`resumed-${label}`, finetune, settings), 5);
      expect(cancelled.error?.name).toBe('AbortError');
      const resumed = await trainRecording(jobFor(`resumed-${label}`, finetune, settings));
      expect(resumed.result?.resumedFromStep).toBe(3);
      expect(resumed.reports.map((report) => report.loss)).toEqual(straight.reports.slice(3).map((report) => report.loss));
      for (const [name, tensor] of straight.result?.parameters ?? []) expect(resumed.result?.parameters.get(name)?.data, name).toEqual(tensor.data);
    });
  }

  it('does not resume a checkpoint of another base model or method', async () => {
    await trainRecording(jobFor('other-base', {}, { maxSteps: 3 }));
    const logs: string[] = [];
    const other = await trainGpt2(jobFor('other-base', { modelKey: 'another-model' }, { maxSteps: 3 }), { onLog: (line) => logs.push(line) });
    expect(other.resumedFromStep).toBeNull();
    expect(logs.join('\n')).toMatch(/belongs to other settings or data/);
    const lora = await trainGpt2(jobFor('other-base', { method: 'lora', lora: LORA }, { maxSteps: 3 }), { onLog: () => {} });
    expect(lora.resumedFromStep).toBeNull();
  });
});

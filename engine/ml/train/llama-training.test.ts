// Pretraining a Llama through the one trainer: the job's Llama fields choose the family, losses fall, a cancelled run
// with attention dropout resumes exactly, and the model folder is Hugging Face's LlamaForCausalLM layout that reads
// back, evaluates and generates.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../export/safetensors.ts';
import { readModelFolder, writeModelFolder } from '../export/model-folder.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import { isLlamaConfig } from '../model-config.ts';
import { evaluateModel } from './evaluate-model.ts';
import { trainRecording } from './testing/cancelled-training.ts';
import { writeCharTokensArtifact } from './testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from './testing/tiny-settings.ts';
import type { StepReport } from './trainer.ts';
import type { LlamaShapeSettings, TrainingJob, TrainingSettings } from './training-settings.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-llama-trainer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokens = writeCharTokensArtifact(path.join(root, 'tokens'), shakespeareExcerpt(20_000));
const LLAMA: LlamaShapeSettings = { nKvHead: 1, intermediateSize: 40, ropeTheta: 10000, tieEmbeddings: true };

function jobFor(settings: TrainingSettings, checkpointName: string, llama: LlamaShapeSettings = LLAMA): TrainingJob {
  return { settings, llama, trainShard: path.join(tokens.folder, 'train'), valShard: path.join(tokens.folder, 'val'), checkpointDir: path.join(root, checkpointName) };
}

describe('pretraining a Llama', () => {
  it('trains the Llama the job describes, lowers the loss, and writes a LlamaForCausalLM folder that evaluates', async () => {
    const settings = { ...TINY_SETTINGS, nEmbd: 32, nHead: 4, maxSteps: 30, evalInterval: 10, learningRate: 1e-2, warmupSteps: 3 };
    const { reports, result, error } = await trainRecording(jobFor(settings, 'learns', { ...LLAMA, nKvHead: 2 }));
    expect(error).toBeUndefined();
    const config = result?.config;
    if (config === undefined || !isLlamaConfig(config)) throw new Error('expected a Llama result');
    expect(config).toMatchObject({ nLayer: 1, nHead: 4, nKvHead: 2, nEmbd: 32, headDim: 8, intermediateSize: 40, blockSize: 16, vocabSize: tokens.vocabSize });
    expect([...(result?.parameters.keys() ?? [])].sort()).toEqual(llamaParameterSpecs(config).map((spec) => spec.name).sort());
    // From uniform guessing (ln V) to at least the characters' frequencies in 30 steps of 4 × 16 tokens.
    const initial = reports[0]?.loss as number;
    expect(initial).toBeGreaterThan(Math.log(tokens.vocabSize) - 0.3);
    expect(reports[29]?.valLoss).toBeLessThan(initial - 0.3);
    expect(reports[29]?.trainLoss).toBeLessThan(initial - 0.6);

    const folder = path.join(root, 'model');
    writeModelFolder(folder, { config, parameters: result?.parameters ?? new Map(), tokenizerJsonPath: path.join(tokens.folder, 'tokenizer.json'), tokenizerConfigJsonPath: null, provenance: {} });
    const json = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8'));
    expect(json).toMatchObject({
      architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 32, intermediate_size: 40, num_hidden_layers: 1, num_attention_heads: 4,
      num_key_value_heads: 2, head_dim: 8, max_position_embeddings: 16, rope_theta: 10000, tie_word_embeddings: true, hidden_act: 'silu', vocab_size: tokens.vocabSize,
    });
    const written = readSafetensors(path.join(folder, 'model.safetensors')).tensors;
    expect(written.get('model.layers.0.self_attn.k_proj.weight')?.shape).toEqual([16, 32]);
    expect(written.has('lm_head.weight')).toBe(false);
    const loaded = readModelFolder(folder);
    expect(loaded.config).toEqual(config);
    expect(loaded.parameters.get('model.norm.weight')?.data).toEqual(result?.parameters.get('model.norm.weight')?.data);

    const evaluation = await evaluateModel({ modelFolder: folder, valShard: path.join(tokens.folder, 'val'), valMask: null, batchSize: 4, evalBatches: 3, samples: 1, maxNewTokens: 8, prompt: 'A', temperature: 0.8, topK: 10, seed: 5, threads: 1 });
    expect(evaluation.valLoss).toBeLessThan(initial - 0.3);
    expect(evaluation.samples[0]?.tokens).toBe(8);
  });

  it('resumes a cancelled run with attention dropout and accumulation exactly as an uninterrupted one', async () => {
    const settings = { ...TINY_SETTINGS, dropout: 0.1, gradAccumSteps: 2, batchSize: 2 };
    const straight = await trainRecording(jobFor(settings, 'straight'));
    const cancelled = await trainRecording(jobFor(settings, 'resumed'), 5);
    expect(cancelled.error?.name).toBe('AbortError');
    const resumed = await trainRecording(jobFor(settings, 'resumed'));
    expect(resumed.result?.resumedFromStep).toBe(3);
    const lossesOf = (reports: StepReport[]) => reports.map(({ step, loss, valLoss, gradNorm }) => ({ step, loss, valLoss, gradNorm }));
    expect(lossesOf(resumed.reports)).toEqual(lossesOf(straight.reports.slice(3)));
    // The Llama fields are part of the checkpoint's identity: other ones start over.
    const other = await trainRecording(jobFor(settings, 'resumed', { ...LLAMA, ropeTheta: 500 }));
    expect(other.result?.resumedFromStep).toBeNull();
  });
});

// End to end through the Engine, chat SFT: chat JSONL → dataset (content chat) → model (a tiny hub-layout GPT-2
// folder) → tokenizer (with the model's tokenizer; writes the loss mask and the chat template) → finetune (LoRA, a few
// steps, assistant tokens only) → evaluate. The fine-tuned folder keeps the template and holds the PEFT adapter.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { writeHubGpt2Folder } from '../ml/import/testing/hub-folder.ts';
import { MODEL_FILES, readModelFolder } from '../ml/export/model-folder.ts';
import { tokensArtifactPaths } from '../ml/train/tokens-artifact.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-finetune-pipeline-'));
let engine: Engine;
beforeAll(async () => {
  copyFileSync(path.join(repoRoot, 'examples', 'data', 'chat-sample.jsonl'), path.join(workDir, 'chats.jsonl'));
  writeHubGpt2Folder(path.join(workDir, 'base'), { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 64 }, seed: 3 });
  engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
});
afterAll(async () => {
  await engine.close();
  rmSync(workDir, { recursive: true, force: true });
});

const pipeline = fixturePipeline(
  [
    { id: 'chats', type: 'dataset', config: { content: 'chat', format: 'jsonl', sources: [{ path: 'chats.jsonl' }], valFraction: 0.3 } },
    { id: 'base', type: 'model', config: { path: 'base' } },
    { id: 'tok', type: 'tokenizer', config: {} },
    { id: 'sft', type: 'finetune', config: { method: 'lora', loraRank: 4, maxSteps: 4, evalInterval: 2, checkpointInterval: 2, evalBatches: 2, batchSize: 2, blockSize: 32, warmupSteps: 1, learningRate: 1e-2, threads: 1, device: 'cpu' } },
    { id: 'eval', type: 'evaluate', config: { evalBatches: 2, batchSize: 2, samples: 0 } },
  ],
  ['chats.corpus->tok.corpus', 'base.tokenizer->tok.tokenizer', 'base.model->sft.model', 'tok.tokens->sft.tokens', 'sft.model->eval.model', 'tok.tokens->eval.tokens'],
  'chat sft',
);

describe('chat fine-tuning through the engine', () => {
  it('fine-tunes an imported model on chat tokens with their loss mask, keeps the chat template and writes the adapter', async () => {
    const events: RunEvent[] = [];
    const unsubscribe = engine.bus.subscribe((event) => events.push(event as RunEvent));
    const { runId } = engine.startRun({ pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') });
    const finished = await engine.finished(runId);
    unsubscribe();
    expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
    const tokens = tokensArtifactPaths(finished?.nodes.tok?.artifacts?.tokens?.path as string);
    expect(tokens.trainMask).not.toBeNull();
    const folder = finished?.nodes.sft?.artifact as string;
    for (const file of [MODEL_FILES.weights, MODEL_FILES.decoder, MODEL_FILES.tokenizer, path.join('adapter', 'adapter_model.safetensors')]) expect(existsSync(path.join(folder, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.tokenizerConfig), 'utf8')).chat_template).toEqual(expect.stringContaining('assistant'));
    expect(readModelFolder(folder).config).toMatchObject({ nLayer: 1, nEmbd: 16, blockSize: 64, vocabSize: 300 });
    const progress = events.filter((event): event is Extract<RunEvent, { type: 'node.progress' }> => event.type === 'node.progress' && event.node === 'sft');
    expect(progress.at(-1)?.metrics).toMatchObject({ valLoss: expect.any(Number) });
    expect(finished?.nodes.sft?.metrics).toMatchObject({ steps: 4, trainedParameterCount: 4 * (16 + 48) });
    expect(finished?.nodes.eval?.state).toBe('succeeded');
    expect(readdirSync(path.join(workDir, 'data', 'checkpoints', 'finetune'))).toEqual([]);
  });
});

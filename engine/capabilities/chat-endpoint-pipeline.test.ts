// The chat fine-tuning story end to end, as a user runs it: chat JSONL → dataset → model (a hub-layout GPT-2 folder)
// → tokenizer (the model's own) → finetune (LoRA) → deploy → api-endpoint, then a chat request over HTTP. Every
// training reply has one shape ("Answer: <a colour>." then the end-of-text token); the served model must answer in it
// and stop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { gpt2Config, type Gpt2Config } from '../ml/gpt2/config.ts';
import { initGpt2Parameters, type ParameterSet } from '../ml/gpt2/parameters.ts';
import { writeHubGpt2Folder } from '../ml/import/testing/hub-folder.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-chat-endpoint-'));
const WORDS = ['red', 'blue', 'green', 'gold', 'grey', 'pink', 'teal', 'jade'];
let engine: Engine;

const baseConfig = gpt2Config({ vocabSize: 300, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 64 });

/**
 * Seeded weights with the embedding scaled to a trained model's size. Fresh GPT-2 init (std 0.02) gives logits within
 * about ±0.6 whatever the hidden state, which frozen embeddings under LoRA could never sharpen into an answer.
 */
function pretrainedLike(config: Gpt2Config): ParameterSet {
  const parameters = initGpt2Parameters(config, 5);
  const wte = parameters.get('transformer.wte.weight')!.data as Float32Array;
  wte.forEach((value, index) => (wte[index] = value * 25));
  return parameters;
}

/** Conversations whose assistant turns all read "Answer: <the word the user asked for>." */
function chatLines(): string {
  const lines: string[] = [];
  for (let index = 0; index < 48; index++) {
    const word = WORDS[index % WORDS.length]!;
    const messages = [
      { role: 'user', content: `Say ${word}, please.` },
      { role: 'assistant', content: `Answer: ${word}.` },
    ];
    lines.push(JSON.stringify({ messages }));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  writeFileSync(path.join(workDir, 'chats.jsonl'), chatLines());
  writeHubGpt2Folder(path.join(workDir, 'base'), { config: baseConfig, parameters: pretrainedLike(baseConfig) });
  engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
});
afterAll(async () => {
  await engine.close();
  rmSync(workDir, { recursive: true, force: true });
});

const finetune = {
  method: 'lora',
  loraRank: 8,
  loraAlpha: 16,
  loraDropout: 0,
  loraTargets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
  blockSize: 48,
  batchSize: 8,
  maxSteps: 400,
  warmupSteps: 10,
  learningRate: 2e-2,
  minLearningRate: 2e-3,
  evalInterval: 400,
  checkpointInterval: 400,
  evalBatches: 1,
  threads: 1,
  device: 'cpu',
};

const pipeline = fixturePipeline(
  [
    { id: 'chats', type: 'dataset', config: { content: 'chat', format: 'jsonl', sources: [{ path: 'chats.jsonl' }], valFraction: 0.1, dedupe: 'none' } },
    { id: 'base', type: 'model', config: { path: 'base' } },
    { id: 'tok', type: 'tokenizer', config: {} },
    { id: 'sft', type: 'finetune', config: finetune },
    { id: 'deploy', type: 'deploy', config: { name: 'sft-model', maxBatchSize: 2, threads: 1, device: 'cpu' } },
    { id: 'api', type: 'api-endpoint', config: { port: 0, auth: 'none' } },
  ],
  ['chats.corpus->tok.corpus', 'base.tokenizer->tok.tokenizer', 'base.model->sft.model', 'tok.tokens->sft.tokens', 'sft.model->deploy.model', 'deploy.deployment->api.deployments'],
  'chat sft to an endpoint',
);

/** The deployment loads its decoder after the run ends; /health answers 200 once it is ready. */
async function untilHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${url}/health`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/health did not become ready in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('chat fine-tuning to a served endpoint', () => {
  it('serves the fine-tuned model, whose chat replies take the trained shape and stop at the end-of-text token', async () => {
    const { runId } = engine.startRun({ pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') });
    const finished = await engine.finished(runId);
    expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
    const url = engine.listServices().find((service) => service.kind === 'api-endpoint')?.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    await untilHealthy(url!);
    const ask = async (content: string) => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sft-model', messages: [{ role: 'user', content }], temperature: 0, max_tokens: 24 }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      return ((await response.json()) as { choices: { message: { content: string }; finish_reason: string }[] }).choices[0]!;
    };
    for (const word of ['teal', 'red']) {
      const reply = await ask(`Say ${word}, please.`);
      expect(reply.message.content.trim(), `fine-tune metrics ${JSON.stringify(finished?.nodes.sft?.metrics)}`).toMatch(new RegExp(`^Answer: (${WORDS.join('|')})\\.$`));
      expect(reply.finish_reason).toBe('stop');
    }
  });
});

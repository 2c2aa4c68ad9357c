// The Llama chat fine-tuning story end to end, as a user runs it: chat JSONL → dataset → model (a tiny folder in
// SmolLM2-Instruct's hub layout: LlamaForCausalLM with GQA, Digits + ByteLevel tokenizer, ChatML chat_template,
// eos <|im_end|>) → tokenizer (the model's own; the template renders the chats) → finetune (LoRA on q/k/v/o and
// gate/up/down) → deploy → api-endpoint, and → evaluate. Every training reply reads "Answer: <a colour>." and ends
// the turn with <|im_end|>: the served model must answer in that shape, stop there, and give what the training
// forward's own greedy decoding gives.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { MODEL_FILES, readModelFolder } from '../ml/export/model-folder.ts';
import { TINY_SMOLLM2, writeHubLlamaFolder } from '../ml/import/testing/hub-llama-folder.ts';
import { llamaConfig, type LlamaConfig } from '../ml/llama/config.ts';
import { initLlamaParameters } from '../ml/llama/parameters.ts';
import { familyLogits } from '../ml/lora/testing/lora-support.ts';
import { hostTensor } from '../ml/tensor/host-tensor.ts';
import { llamaFamily } from '../ml/train/llama-family.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';
import { compileChatTemplate } from '../tokenize/chat/index.ts';
import { loadHuggingFaceTokenizer } from '../tokenize/index.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-llama-chat-'));
const WORDS = ['red', 'blue', 'green', 'gold', 'grey', 'pink', 'teal', 'jade'];
let engine: Engine;

/** Conversations whose assistant turns all read "Answer: <the word the user asked for>." */
function chatLines(): string {
  const lines: string[] = [];
  for (let index = 0; index < 48; index++) {
    const word = WORDS[index % WORDS.length]!;
    lines.push(JSON.stringify({ messages: [{ role: 'user', content: `Say ${word}, please.` }, { role: 'assistant', content: `Answer: ${word}.` }] }));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  writeFileSync(path.join(workDir, 'chats.jsonl'), chatLines());
  writeFileSync(path.join(workDir, 'play.txt'), shakespeareExcerpt(20_000));
  // A trained model's scales: HF's fresh init (std 0.02) gives near-uniform logits and feeble features that frozen
  // weights under LoRA could not turn into an answer in a few hundred steps (embedding ×25, projections ×5).
  const config = llamaConfig({ ...TINY_SMOLLM2, blockSize: 128 });
  const parameters = initLlamaParameters(config, 5);
  for (const [name, tensor] of parameters) {
    const scale = name === 'model.embed_tokens.weight' ? 25 : name.endsWith('_proj.weight') ? 5 : 1;
    (tensor.data as Float32Array).forEach((value, index, data) => (data[index] = value * scale));
  }
  writeHubLlamaFolder(path.join(workDir, 'smollm2'), { config, parameters });
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
  loraTargets: ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'],
  blockSize: 64,
  batchSize: 8,
  maxSteps: 600,
  warmupSteps: 10,
  learningRate: 2e-2,
  minLearningRate: 2e-3,
  evalInterval: 600,
  checkpointInterval: 600,
  evalBatches: 1,
  threads: 1,
  device: 'cpu',
};

const pipeline = fixturePipeline(
  [
    { id: 'chats', type: 'dataset', config: { content: 'chat', format: 'jsonl', sources: [{ path: 'chats.jsonl' }], valFraction: 0.1, dedupe: 'none' } },
    { id: 'base', type: 'model', config: { path: 'smollm2' } },
    { id: 'tok', type: 'tokenizer', config: {} },
    { id: 'sft', type: 'finetune', config: finetune },
    { id: 'eval', type: 'evaluate', config: { evalBatches: 1, batchSize: 2, samples: 0 } },
    { id: 'deploy', type: 'deploy', config: { name: 'smol-sft', maxBatchSize: 2, threads: 1, device: 'cpu' } },
    { id: 'api', type: 'api-endpoint', config: { port: 0, auth: 'none' } },
  ],
  ['chats.corpus->tok.corpus', 'base.tokenizer->tok.tokenizer', 'base.model->sft.model', 'tok.tokens->sft.tokens', 'sft.model->eval.model', 'tok.tokens->eval.tokens', 'sft.model->deploy.model', 'deploy.deployment->api.deployments'],
  'llama chat sft to an endpoint',
);

/** Greedy decoding with the training forward re-run over the whole sequence each token, until <|im_end|>. */
async function greedyByFullForward(folder: string, question: string): Promise<string> {
  const model = readModelFolder(folder);
  const tokenizer = loadHuggingFaceTokenizer(model.tokenizerJson!);
  const template = compileChatTemplate(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.tokenizerConfig), 'utf8')).chat_template);
  const ids = tokenizer.encode(template.render([{ role: 'user', content: question }], true));
  const endOfTurn = tokenizer.idOf('<|im_end|>');
  const generated: number[] = [];
  while (generated.length < 24) {
    const sequence = [...ids, ...generated];
    const logits = await familyLogits(llamaFamily(model.config as LlamaConfig), model.parameters, hostTensor('int64', [1, sequence.length], sequence));
    const last = logits.slice((sequence.length - 1) * model.config.vocabSize);
    const next = last.indexOf(Math.max(...last));
    if (next === endOfTurn) break;
    generated.push(next);
  }
  return tokenizer.decode(generated);
}

async function untilHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${url}/health`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/health did not become ready in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('chat fine-tuning an imported SmolLM2-layout Llama to a served endpoint', () => {
  it('imports the Llama, fine-tunes it with LoRA on its chat template, evaluates it, and serves replies in the trained shape that stop at <|im_end|>', async () => {
    const { runId } = engine.startRun({ pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') });
    const finished = await engine.finished(runId);
    expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
    expect(finished?.nodes.base?.artifacts?.model?.facts).toEqual(expect.arrayContaining([
      { label: 'Architecture', value: 'LlamaForCausalLM', note: '2 layers, 6 heads (2 key/value), 48 wide' },
      { label: 'Chat template', value: 'yes' },
    ]));

    const folder = finished?.nodes.sft?.artifact as string;
    expect(readModelFolder(folder).config).toMatchObject({ architecture: 'llama', nHead: 6, nKvHead: 2, blockSize: 128 });
    expect(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.config), 'utf8'))).toMatchObject({ model_type: 'llama', eos_token_id: 2 });
    expect(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.tokenizerConfig), 'utf8')).chat_template).toContain('<|im_start|>');
    expect(existsSync(path.join(folder, 'adapter', 'adapter_model.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(folder, 'adapter', 'adapter_config.json'), 'utf8'))).toMatchObject({ fan_in_fan_out: false, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    expect(finished?.nodes.eval?.state).toBe('succeeded');

    const url = engine.listServices().find((service) => service.kind === 'api-endpoint')?.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    await untilHealthy(url!);
    for (const word of ['teal', 'red']) {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'smol-sft', messages: [{ role: 'user', content: `Say ${word}, please.` }], temperature: 0, max_tokens: 24 }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      const reply = ((await response.json()) as { choices: { message: { content: string }; finish_reason: string }[] }).choices[0]!;
      // The shape is learnt; which colour is not always (a 65K-parameter random base copies the asked word poorly).
      expect(reply.message.content.trim(), `fine-tune metrics ${JSON.stringify(finished?.nodes.sft?.metrics)}`).toMatch(/^Answer: [a-z]+\.$/);
      expect(reply.finish_reason).toBe('stop');
      // The server's KV-cache decoding gives what the training forward's greedy decoding over the whole sequence gives.
      expect(reply.message.content).toBe(await greedyByFullForward(folder, `Say ${word}, please.`));
    }
  });
});

describe('full fine-tuning an imported SmolLM2-layout Llama on plain text', () => {
  it('trains every weight through the finetune node and lowers the evaluate node\'s val loss well below the untouched model\'s', async () => {
    const schedule = { maxSteps: 60, warmupSteps: 5, learningRate: 5e-3, minLearningRate: 5e-4, batchSize: 8, blockSize: 64, evalInterval: 60, checkpointInterval: 60, evalBatches: 2, threads: 1, device: 'cpu' };
    const text = fixturePipeline(
      [
        { id: 'play', type: 'dataset', config: { format: 'text', sources: [{ path: 'play.txt' }], valFraction: 0.1, dedupe: 'none' } },
        { id: 'base', type: 'model', config: { path: 'smollm2' } },
        { id: 'tok', type: 'tokenizer', config: { specialTokens: [] } },
        { id: 'full', type: 'finetune', config: { method: 'full', dropout: 0, weightDecay: 0, ...schedule } },
        { id: 'untouched', type: 'evaluate', config: { evalBatches: 4, batchSize: 4, samples: 0 } },
        { id: 'tuned', type: 'evaluate', config: { evalBatches: 4, batchSize: 4, samples: 0 } },
      ],
      ['play.corpus->tok.corpus', 'base.tokenizer->tok.tokenizer', 'base.model->full.model', 'tok.tokens->full.tokens', 'base.model->untouched.model', 'tok.tokens->untouched.tokens', 'full.model->tuned.model', 'tok.tokens->tuned.tokens'],
      'llama full fine-tune',
    );
    const { runId } = engine.startRun({ pipeline: text, pipelinePath: path.join(workDir, 'text.crucible.json') });
    const finished = await engine.finished(runId);
    expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
    const valLoss = (node: string) => (JSON.parse(readFileSync(path.join(finished?.nodes[node]?.artifact as string, 'report.json'), 'utf8')) as { valLoss: number }).valLoss;
    expect(finished?.nodes.full?.metrics).toMatchObject({ steps: 60, trainedParameterCount: finished?.nodes.full?.metrics?.parameterCount });
    expect(valLoss('tuned'), `untouched ${valLoss('untouched')}`).toBeLessThan(valLoss('untouched') - 1);
  });
});

// A Llama from scratch to a chat endpoint, as a user runs it: dataset → tokenizer → pretrain (architecture llama,
// grouped-query attention) → evaluate, and → quantize (int4) → deploy → api-endpoint, then chat requests over HTTP.
// The deployment serves the quantized decoder (onnx/model_q4.onnx with the step decoder built to the same weights);
// a seeded chat reply comes back the same every time, and greedy replies stop where max_tokens says.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { MODEL_FILES, QUANTIZED_DECODER_FILES, readConfigJson } from '../ml/export/model-folder.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-llama-serve-'));
let engine: Engine;

beforeAll(async () => {
  writeFileSync(path.join(workDir, 'excerpt.txt'), shakespeareExcerpt(30_000));
  engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
});
afterAll(async () => {
  await engine.close();
  rmSync(workDir, { recursive: true, force: true });
});

const schedule = { batchSize: 8, warmupSteps: 5, evalBatches: 2, learningRate: 1e-2, minLearningRate: 1e-3, threads: 1, device: 'cpu' };

const pipeline = fixturePipeline(
  [
    { id: 'data', type: 'dataset', config: { sources: [{ path: 'excerpt.txt' }], documentSplit: 'blank-lines', valFraction: 0.1 } },
    { id: 'tok', type: 'tokenizer', config: { kind: 'char', specialTokens: ['<|endoftext|>'] } },
    { id: 'llama', type: 'pretrain', config: { ...schedule, architecture: 'llama', nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, blockSize: 64, maxSteps: 60, evalInterval: 60, checkpointInterval: 60 } },
    { id: 'eval', type: 'evaluate', config: { evalBatches: 2, batchSize: 4, samples: 0 } },
    { id: 'q4', type: 'quantize', config: { scheme: 'int4' } },
    { id: 'deploy', type: 'deploy', config: { name: 'tiny-llama', maxBatchSize: 4, threads: 1, device: 'cpu' } },
    { id: 'api', type: 'api-endpoint', config: { port: 0, auth: 'none' } },
  ],
  ['data.corpus->tok.corpus', 'tok.tokens->llama.tokens', 'llama.model->eval.model', 'tok.tokens->eval.tokens', 'llama.model->q4.model', 'q4.model->deploy.model', 'deploy.deployment->api.deployments'],
  'llama pretrain to a chat endpoint',
);

/** The deployment loads its decoders after the run ends; /health answers 200 once it is ready. */
async function untilHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${url}/health`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url}/health did not become ready in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Llama pretrain → quantize int4 → deploy → chat', () => {
  it('serves the quantized Llama over the OpenAI API', async () => {
    const { runId } = engine.startRun({ pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') });
    const finished = await engine.finished(runId);
    expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
    const pretrained = finished?.nodes.llama?.artifact as string;
    expect(readConfigJson(pretrained)).toMatchObject({ model_type: 'llama', num_attention_heads: 4, num_key_value_heads: 2 });
    expect(finished?.nodes.eval?.metrics?.valLoss).toBeGreaterThan(0);
    const quantized = finished?.nodes.q4?.artifact as string;
    expect(existsSync(path.join(quantized, QUANTIZED_DECODER_FILES.int4))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(quantized, 'report.json'), 'utf8')) as { quantizedWeights: number; sizeRatio: number; validation: { perplexityChangePercent: number } | null };
    expect(report.quantizedWeights).toBe(2 * 7); // q/k/v/o and gate/up/down in each layer
    expect(report.sizeRatio).toBeLessThan(1);
    expect(report.validation?.perplexityChangePercent).toEqual(expect.any(Number));
    expect(existsSync(path.join(quantized, MODEL_FILES.weights))).toBe(true);

    const deployment = engine.listServices().find((service) => service.kind === 'deployment');
    expect(deployment?.details).toMatchObject({ modelDir: quantized, precision: 'q4' });
    const url = engine.listServices().find((service) => service.kind === 'api-endpoint')?.url;
    await untilHealthy(url!);
    const chat = async (body: Record<string, unknown>) => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny-llama', messages: [{ role: 'user', content: 'Speak, speak.' }], ...body }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    };
    const seeded = { temperature: 0.8, seed: 11, max_tokens: 12 };
    const [first, again] = [await chat(seeded), await chat(seeded)];
    expect(first.choices[0]!.message.content).toBe(again.choices[0]!.message.content);
    expect(first.usage.completion_tokens).toBeGreaterThan(0);
    const greedy = await chat({ temperature: 0, max_tokens: 5 });
    expect(greedy.usage.completion_tokens).toBeLessThanOrEqual(5);
    expect(['length', 'stop']).toContain(greedy.choices[0]!.finish_reason);
  }, 180_000);
});

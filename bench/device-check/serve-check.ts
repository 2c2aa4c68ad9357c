// The serving check: the deploy node's decode loop (exported decoder for prefill, step decoder over the slot cache
// for decode steps) on every execution provider this onnxruntime-node can load, in-process (no HTTP, no worker).
// Greedy tokens must equal the CPU's, and decode tokens/s at batch 1 and 16 show what a provider gives a deployment.
// Runs from the repo (`node --import tsx bench/device-check/serve-check.ts`) or bundled by package.sh on a GPU server.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DecodeLoop } from '../../engine/inference/decode-loop.ts';
import { loadDecoderPair } from '../../engine/inference/decoder-pair.ts';
import type { StepEvent } from '../../engine/inference/worker-protocol.ts';
import { MODEL_FILES, writeModelFolder } from '../../engine/ml/export/model-folder.ts';
import { gpt2Config, type Gpt2Config } from '../../engine/ml/gpt2/config.ts';
import { initGpt2Parameters } from '../../engine/ml/gpt2/parameters.ts';
import { COMPUTE_DEVICES, isComputeDevice, type ComputeDevice } from '../../app/protocol/compute-devices.ts';
import type { GenerationRequest } from '../../engine/inference/text-generator.ts';

const SHAPES: { name: string; config: Gpt2Config }[] = [
  { name: 'nano 4/4/128', config: gpt2Config({ vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 256 }) },
  { name: '10.7M 6/6/384', config: gpt2Config({ vocabSize: 65, nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256 }) },
];
const PROVIDERS = (process.env.SERVE_CHECK_PROVIDERS ?? 'cpu,webgpu,cuda').split(',').map(deviceNamed);
const THREADS = (process.env.SERVE_CHECK_THREADS ?? `2,${Math.min(8, os.availableParallelism())}`).split(',').map(Number);
const BATCHES = [1, 16];
const PROMPT_TOKENS = 24;
const NEW_TOKENS = 64;

function deviceNamed(name: string): ComputeDevice {
  if (isComputeDevice(name)) return name;
  throw new Error(`SERVE_CHECK_PROVIDERS: "${name}" is not a device; use a comma-separated list of ${COMPUTE_DEVICES.join(', ')}`);
}

function greedyRequest(index: number, vocabSize: number): GenerationRequest {
  const promptTokens = Array.from({ length: PROMPT_TOKENS }, (_, position) => (index * 31 + position * 7 + 1) % vocabSize);
  return { promptTokens, maxTokens: NEW_TOKENS, temperature: 0, topP: 1, topK: 0, frequencyPenalty: 0, presencePenalty: 0, logitBias: new Map(), logprobs: false, topLogprobs: 0 };
}

/** Runs `2 × batch` greedy requests through one loop of `batch` rows; returns tokens/s and each request's tokens. */
async function decode(loopOptions: Omit<ConstructorParameters<typeof DecodeLoop>[0], 'emit' | 'maxBatchSize'>, batch: number): Promise<{ tokensPerSecond: number; tokens: number[][] }> {
  const requests = 2 * batch;
  const tokens: number[][] = Array.from({ length: requests }, () => []);
  const errors: string[] = [];
  const loop = new DecodeLoop({
    ...loopOptions,
    maxBatchSize: batch,
    emit: (events: StepEvent[]) => {
      for (const event of events) {
        if (event.type === 'token') tokens[event.requestId]!.push(event.tokenId);
        else if (event.type === 'error') errors.push(event.message);
      }
    },
  });
  const began = performance.now();
  for (let index = 0; index < requests; index++) loop.submit(index, greedyRequest(index, loopOptions.config.vocabSize));
  await loop.idle();
  if (errors.length > 0) throw new Error(errors[0]);
  const seconds = (performance.now() - began) / 1000;
  return { tokensPerSecond: tokens.flat().length / seconds, tokens };
}

/** One table row: batch 1 and 16 tok/s on `provider`, and whether its greedy tokens match `reference` (the CPU's). */
async function measureRow(folder: string, config: Gpt2Config, provider: ComputeDevice, threads: number, reference: number[][] | undefined) {
  const source = { modelFolder: folder, precision: 'float32' as const, decoderPath: path.join(folder, MODEL_FILES.decoder), config };
  const pair = await loadDecoderPair(source, { device: provider, intraOpThreads: threads });
  try {
    const options = { prefillSession: pair.prefill, stepSession: pair.step, config, eosTokenId: null };
    await decode(options, 1); // warm-up
    const single = await decode(options, BATCHES[0]!);
    const batched = await decode(options, BATCHES[1]!);
    const differing = reference === undefined ? 0 : batched.tokens.filter((tokens, index) => tokens.join() !== reference[index]!.join()).length;
    const agreement = reference === undefined ? 'reference' : differing === 0 ? 'identical' : `differ in ${differing} of ${batched.tokens.length} requests`;
    return { single, batched, agreement };
  } finally {
    await Promise.all([pair.prefill.release(), pair.step.release()]);
  }
}

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-serve-check-'));
try {
  console.log(`serve check: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}; ${PROMPT_TOKENS}-token prompts, ${NEW_TOKENS} greedy tokens, 2 × batch requests per row`);
  console.log('| model | provider | ORT threads | batch 1 tok/s | batch 16 tok/s | 16 vs 1 | greedy tokens vs the first CPU row |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const shape of SHAPES) {
    const folder = path.join(root, shape.name.split(' ')[0]!);
    writeModelFolder(folder, { config: shape.config, parameters: initGpt2Parameters(shape.config, 1337), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: { bench: 'serve-check' } });
    let reference: number[][] | undefined;
    for (const provider of PROVIDERS) {
      for (const threads of provider === 'cpu' ? THREADS : [THREADS[0]!]) {
        const label = `| ${shape.name} | ${provider} | ${threads} |`;
        try {
          const { single, batched, agreement } = await measureRow(folder, shape.config, provider, threads, reference);
          if (provider === 'cpu') reference ??= batched.tokens;
          console.log(`${label} ${single.tokensPerSecond.toFixed(0)} | ${batched.tokensPerSecond.toFixed(0)} | ${(batched.tokensPerSecond / single.tokensPerSecond).toFixed(2)}× | ${agreement} |`);
        } catch (error) {
          console.log(`${label} — | — | — | unavailable: ${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(-200)} |`);
        }
      }
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

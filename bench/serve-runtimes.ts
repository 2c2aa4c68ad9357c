// The two runtimes `npm run bench:serve` compares, behind one interface: Crucible's (OnnxTextGenerator, the worker
// thread a deployment runs, no HTTP) and llama.cpp (node-llama-cpp 3.21.1's CPU build) on a GGUF export of the same
// folder. A runner streams one request (token timestamps) or many in parallel; both sample at temperature 0.8,
// top-k 200, and never stop early: Crucible bans the end-of-text token (a logit bias), llama.cpp yields it like any
// other token and goes on (`yieldEogToken`). A TokenBias cannot ban it: node-llama-cpp's TokenBias.set skips
// end-of-generation tokens, so the ban that used to be here did nothing, its evaluate ended a sequence whenever a
// random-weight model sampled end-of-text (after 5–50 tokens), and a one-token run gave the NaN single-stream row.

import { statSync } from 'node:fs';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { llamaCpp } from '../engine/ml/export/gguf/testing/llama-cpp.ts';
import { OnnxTextGenerator } from '../engine/inference/onnx-text-generator.ts';
import { readServableModel } from '../engine/inference/model-files.ts';
import type { GenerationRequest } from '../engine/inference/text-generator.ts';
import type { ModelConfig } from '../engine/ml/model-config.ts';

/** The precisions compared, each with its counterpart: float32 ↔ F32, int8 ↔ Q8_0, int4 ↔ Q4_0. */
export type BenchPrecision = 'float32' | 'int8' | 'int4';

export interface StreamTimes {
  /** performance.now() when the request was made. */
  startedMs: number;
  /** performance.now() at each token. */
  tokenMs: number[];
}

export interface RuntimeRunner {
  runtime: 'Crucible' | 'llama.cpp';
  precision: BenchPrecision;
  /** e.g. "int8 (MatMulNBits, block 32)" or "GGUF Q8_0". */
  weights: string;
  /** The weight file's size: what one token of one stream reads at most. */
  weightBytes: number;
  stream(prompt: readonly number[], tokens: number, seed: number): Promise<StreamTimes>;
  /** `count` sequences at once; all tokens over the wall time (prefill included). */
  parallel(prompt: readonly number[], tokens: number, count: number, seed: number): Promise<number>;
  close(): Promise<void>;
}

const SAMPLING = { temperature: 0.8, topK: 200 };

export async function crucibleRunner(options: { modelDir: string; precision: BenchPrecision; weights: string; threads: number; parallel: number; eosId: number }): Promise<RuntimeRunner> {
  const precision = options.precision === 'int4' ? 'q4' : options.precision;
  const generator = new OnnxTextGenerator({ modelDir: options.modelDir, modelId: 'bench', precision, maxBatchSize: options.parallel, threads: options.threads, log: () => undefined });
  await generator.whenReady();
  const request = (prompt: readonly number[], tokens: number, seed: number): GenerationRequest => ({
    promptTokens: [...prompt], maxTokens: tokens, ...SAMPLING, topP: 1, seed, frequencyPenalty: 0, presencePenalty: 0, logitBias: new Map([[options.eosId, -100]]), logprobs: false, topLogprobs: 0,
  });
  const stream = async (prompt: readonly number[], tokens: number, seed: number): Promise<StreamTimes> => {
    const startedMs = performance.now();
    const tokenMs: number[] = [];
    for await (const event of generator.generate(request(prompt, tokens, seed), new AbortController().signal)) if (event.type === 'token') tokenMs.push(performance.now());
    return { startedMs, tokenMs };
  };
  return {
    runtime: 'Crucible',
    precision: options.precision,
    weights: options.weights,
    weightBytes: statSync(readServableModel(options.modelDir, precision).decoderPath).size,
    stream,
    parallel: (prompt, tokens, count, seed) => parallelRate(count, (index) => stream(prompt, tokens, seed + index)),
    close: () => generator.close(),
  };
}

export async function llamaCppRunner(options: { file: string; precision: BenchPrecision; weights: string; config: ModelConfig; threads: number; parallel: number }): Promise<RuntimeRunner> {
  const model = await (await llamaCpp()).loadModel({ modelPath: options.file });
  // One context per measurement kind, each sized to its sequences (contextSize is per sequence).
  const single = await model.createContext({ contextSize: options.config.blockSize, threads: options.threads });
  const many = await model.createContext({ contextSize: options.config.blockSize, sequences: options.parallel, threads: options.threads });
  const singleSequence = single.getSequence();
  const sequences = Array.from({ length: options.parallel }, () => many.getSequence());
  const stream = async (sequence: LlamaContextSequence, prompt: readonly number[], tokens: number, seed: number): Promise<StreamTimes> => {
    await sequence.clearHistory(); // no prefix reuse between runs: every request prefills its whole prompt
    const startedMs = performance.now();
    const tokenMs: number[] = [];
    for await (const _token of sequence.evaluate([...prompt] as Token[], { ...SAMPLING, seed, yieldEogToken: true })) {
      tokenMs.push(performance.now());
      if (tokenMs.length >= tokens) break;
    }
    if (tokenMs.length < tokens) throw new Error(`llama.cpp (${options.weights}) ended a request after ${tokenMs.length} of ${tokens} tokens`);
    return { startedMs, tokenMs };
  };
  return {
    runtime: 'llama.cpp',
    precision: options.precision,
    weights: options.weights,
    weightBytes: statSync(options.file).size,
    stream: (prompt, tokens, seed) => stream(singleSequence, prompt, tokens, seed),
    parallel: (prompt, tokens, count, seed) => {
      if (count > sequences.length) throw new Error(`llama.cpp runner: ${count} parallel sequences asked, ${sequences.length} made`);
      return parallelRate(count, (index) => stream(sequences[index]!, prompt, tokens, seed + index));
    },
    close: async () => {
      await single.dispose();
      await many.dispose();
      await model.dispose();
    },
  };
}

/** Tokens per second of one stream after its first token (the decode rate). */
export function decodeRate(times: StreamTimes): number {
  const { tokenMs } = times;
  if (tokenMs.length < 2) throw new Error(`a stream gave ${tokenMs.length} token(s); a decode rate needs at least 2`);
  return (tokenMs.length - 1) / ((tokenMs.at(-1)! - tokenMs[0]!) / 1000);
}

async function parallelRate(count: number, stream: (index: number) => Promise<StreamTimes>): Promise<number> {
  const started = performance.now();
  const all = await Promise.all(Array.from({ length: count }, (_, index) => stream(index)));
  return all.reduce((total, times) => total + times.tokenMs.length, 0) / ((performance.now() - started) / 1000);
}

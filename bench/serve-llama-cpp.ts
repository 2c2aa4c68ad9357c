// `npm run bench:serve`'s comparison with llama.cpp: one model folder decoded by Crucible's runtime (engine/inference,
// float32, int8 and int4, no HTTP) and, exported to GGUF F32, Q8_0 and Q4_0, by llama.cpp (serve-runtimes.ts), each
// with the same thread count. All six runtimes are loaded at once and measured in interleaved rounds (each round
// runs every runtime once), so a burst of load from elsewhere on a shared machine falls on all of them alike.
// Per runtime: decode tokens/s of one stream (after the first token; median and range of the rounds), time to first
// token for a 200-token prompt, and the aggregate of 16 parallel sequences (all tokens over the wall time, prefill
// included).

import path from 'node:path';
import { writeGgufModel } from '../engine/ml/export/gguf/write-gguf.ts';
import { quantizeModelFolder, type QuantizationScheme } from '../engine/ml/quantize/quantize-model-folder.ts';
import type { ModelConfig } from '../engine/ml/model-config.ts';
import { quantizeConfig } from '../nodes/quantize/spec.ts';
import { median } from './median.ts';
import { crucibleRunner, decodeRate, llamaCppRunner, type BenchPrecision, type RuntimeRunner } from './serve-runtimes.ts';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface RuntimeRow {
  runtime: RuntimeRunner['runtime'];
  precision: BenchPrecision;
  weights: string;
  weightBytes: number;
  single: Spread;
  parallel: Spread;
  /** Milliseconds from the request to the first token, for a `ttftPromptTokens`-token prompt. */
  ttftMs: Spread;
}

export interface RuntimeBenchOptions {
  threads: number;
  /** Tokens per request. */
  tokens: number;
  /** Interleaved rounds of single-stream requests; the median and range are reported. */
  runs: number;
  /** Rounds of the parallel and time-to-first-token measurements. */
  parallelRuns: number;
  parallel: number;
  /** The long prompt's length for time to first token. */
  ttftPromptTokens: number;
  precisions: readonly BenchPrecision[];
}

const GGUF_QUANTIZATION = { float32: 'f32', int8: 'q8_0', int4: 'q4_0' } as const;
const CRUCIBLE_WEIGHTS: Record<BenchPrecision, string> = { float32: 'float32', int8: 'int8 (MatMulNBits, block 32)', int4: 'int4 (MatMulNBits, block 32)' };
const QUANTIZED_SCHEME: Record<Exclude<BenchPrecision, 'float32'>, QuantizationScheme> = { int8: 'int8', int4: 'int4' };

/** Writes the quantized folders and GGUF files once per model folder; `runtimesBeside` then measures at a thread count. */
export function prepareRuntimeFiles(folder: string, precisions: readonly BenchPrecision[]): { precision: BenchPrecision; modelDir: string; gguf: string; ggufType: string }[] {
  return precisions.map((precision) => {
    let modelDir = folder;
    if (precision !== 'float32') {
      modelDir = `${folder}-${precision}`;
      const settings = quantizeConfig.parse({ scheme: QUANTIZED_SCHEME[precision] }); // the quantize node's defaults
      quantizeModelFolder({ sourceFolder: folder, targetFolder: modelDir, settings, provenance: {} });
    }
    const gguf = path.join(path.dirname(folder), `${path.basename(folder)}-${GGUF_QUANTIZATION[precision]}.gguf`);
    const report = writeGgufModel({ modelFolder: folder, file: gguf, quantization: GGUF_QUANTIZATION[precision], name: 'bench' });
    return { precision, modelDir, gguf, ggufType: report.fileType };
  });
}

export async function runtimesBeside(
  files: ReturnType<typeof prepareRuntimeFiles>,
  model: { config: ModelConfig; prompt: number[]; longPrompt: number[]; eosId: number },
  options: RuntimeBenchOptions,
): Promise<RuntimeRow[]> {
  const runners: RuntimeRunner[] = [];
  try {
    for (const file of files) {
      const common = { precision: file.precision, threads: options.threads, parallel: options.parallel };
      runners.push(await crucibleRunner({ ...common, modelDir: file.modelDir, weights: CRUCIBLE_WEIGHTS[file.precision], eosId: model.eosId }));
      runners.push(await llamaCppRunner({ ...common, file: file.gguf, weights: `GGUF ${file.ggufType}`, config: model.config }));
    }
    for (const runner of runners) await runner.stream(model.prompt, 8, 0); // warm-up
    const singles = runners.map(() => [] as number[]);
    const parallels = runners.map(() => [] as number[]);
    const ttfts = runners.map(() => [] as number[]);
    for (let round = 0; round < options.runs; round++) {
      for (const [index, runner] of runners.entries()) singles[index]!.push(decodeRate(await runner.stream(model.prompt, options.tokens, round + 1)));
    }
    for (let round = 0; round < options.parallelRuns; round++) {
      for (const [index, runner] of runners.entries()) {
        const first = await runner.stream(model.longPrompt, 1, 500 + round);
        ttfts[index]!.push(first.tokenMs[0]! - first.startedMs);
        parallels[index]!.push(await runner.parallel(model.prompt, options.tokens, options.parallel, 1000 + 100 * round));
      }
    }
    return runners.map((runner, index) => ({
      runtime: runner.runtime,
      precision: runner.precision,
      weights: runner.weights,
      weightBytes: runner.weightBytes,
      single: spreadOf(singles[index]!),
      parallel: spreadOf(parallels[index]!),
      ttftMs: spreadOf(ttfts[index]!),
    }));
  } finally {
    for (const runner of runners) await runner.close();
  }
}

export function spreadOf(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

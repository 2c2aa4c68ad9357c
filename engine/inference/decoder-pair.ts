// What a serving worker loads: the folder's exported decoder for prefill and the step decoder built from the same
// weights for decode steps (and, when asked, its many-tokens build for speculative verification and prefill
// chunks); then probes prove they are one model before any request is served.

import { readFileSync } from 'node:fs';
import { MODEL_FOLDER_REMEDY } from '../ml/export/model-folder.ts';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import { createModelSession, type ModelSession } from '../ml/runtime/session.ts';
import type { SessionOptions } from '../ml/runtime/session-options.ts';
import { prefillBatch } from './batched-prefill.ts';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { SlotKvCache } from './slot-kv-cache.ts';
import { decodeTokens } from './step-decode.ts';
import { stepDecoderBuilder } from './step-decoder-model.ts';

export interface DecoderPair {
  prefill: ModelSession;
  /** One new token per row (step-decoder-graph.ts 'one'). */
  step: ModelSession;
  /** S new tokens per row ('many'); null unless loaded with `manyTokens`. */
  stepMany: ModelSession | null;
}

export interface DecoderPairOptions {
  /**
   * Also load the many-tokens step decoder (a second session of the same weights). `'if-agrees'`: keep it only when
   * its probe agrees with the exported decoder, else leave `stepMany` null (the load still succeeds): chunked prefill
   * is an optimisation, and a folder whose one-token build agrees serves without it rather than not at all.
   */
  manyTokens?: boolean | 'if-agrees';
}

export interface DecoderPairSource {
  modelFolder: string;
  precision: DecoderPrecision;
  /** The exported decoder file for `precision`. */
  decoderPath: string;
  config: ModelConfig;
}

/**
 * How far the step decoder's logits may be from the exported decoder's, as a share of the largest logit's size (at
 * least 1). Float32: rounding only. Quantized: MatMulNBits at accuracy level 4 rounds each activation to int8 per
 * block, so the tiny float differences of two graphs of one model now and then flip an activation's code and move the
 * logits by much more. Over 60 random probes of random-weight 10.7M folders the one- and two-token builds differed by
 * up to 1.1e-2 and 1.4e-2 (int8 and int4; half the probes over 1e-3), the exported decoder fed a probe whole or in two
 * parts by up to 6.4e-3 from itself; at 1e-3 a valid folder (a 4-layer, 256-wide random GPT-2 at int8) was refused
 * as "not belonging together". Two different models' files differ by the size of the logits themselves.
 */
const AGREEMENT_TOLERANCE: Record<'float32' | 'quantized', number> = { float32: 1e-3, quantized: 5e-2 };

export async function loadDecoderPair(source: DecoderPairSource, sessionOptions: SessionOptions, options: DecoderPairOptions = {}): Promise<DecoderPair> {
  const prefill = await createModelSession(readFileSync(source.decoderPath), sessionOptions).catch((error: Error) => {
    throw new Error(describeDecoderLoadFailure(source.decoderPath, error.message));
  });
  const pair: DecoderPair = { prefill, step: prefill, stepMany: null };
  const steps: ModelSession[] = [];
  try {
    const stepDecoderBytes = stepDecoderBuilder(source.modelFolder, source.precision);
    pair.step = await createModelSession(stepDecoderBytes('one'), sessionOptions);
    steps.push(pair.step);
    await assertStepDecoderAgrees(pair.prefill, pair.step, 1, source);
    if (options.manyTokens === true) {
      pair.stepMany = await createModelSession(stepDecoderBytes('many'), sessionOptions);
      steps.push(pair.stepMany);
      await assertStepDecoderAgrees(pair.prefill, pair.stepMany, 2, source);
    } else if (options.manyTokens === 'if-agrees') {
      const many = await createModelSession(stepDecoderBytes('many'), sessionOptions);
      const agrees = await assertStepDecoderAgrees(pair.prefill, many, 2, source).then(() => true, () => false);
      if (agrees) {
        pair.stepMany = many;
        steps.push(many);
      } else await many.release();
    }
    return pair;
  } catch (error) {
    await Promise.all([prefill.release(), ...steps.map((session) => session.release())]);
    throw error;
  }
}

/** Releases every session of the pair. */
export async function releaseDecoderPair(pair: DecoderPair): Promise<void> {
  await Promise.all([pair.prefill.release(), pair.step.release(), pair.stepMany?.release()]);
}

/** ONNX Runtime's reason, said against the file; a file it cannot even parse is damaged. */
function describeDecoderLoadFailure(decoderPath: string, reason: string): string {
  if (/protobuf parsing failed/i.test(reason)) return `${decoderPath}: not a valid ONNX model (ONNX Runtime: ${reason}); the file is damaged — ${MODEL_FOLDER_REMEDY}`;
  return `${decoderPath}: ONNX Runtime could not load it (${reason})`;
}

/**
 * Prefills a short probe whole, and again without its last `stepTokens` tokens followed by one step of the step
 * decoder with them; both give the last token's logits, which must match.
 */
async function assertStepDecoderAgrees(prefill: ModelSession, step: ModelSession, stepTokens: number, source: DecoderPairSource): Promise<void> {
  const { config, decoderPath } = source;
  if (config.blockSize < stepTokens + 1) return; // no room for a step after a prompt
  const probe = Array.from({ length: Math.min(4, config.blockSize) }, (_, index) => (7 * index + 1) % config.vocabSize);
  const [whole] = await prefillBatch(prefill, config, [probe]);
  const [prefix] = await prefillBatch(prefill, config, [probe.slice(0, -stepTokens)]);
  const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 1, maxSlots: config.blockSize, slotChunk: config.blockSize });
  cache.addRow(prefix!.cache);
  const logits = await decodeTokens(step, config, cache, [probe.slice(-stepTokens)]);
  const stepped = logits.subarray((stepTokens - 1) * config.vocabSize);
  const expected = whole!.logits;
  let largest = 1;
  let worst = 0;
  expected.forEach((value, index) => {
    largest = Math.max(largest, Math.abs(value));
    worst = Math.max(worst, Math.abs(value - stepped[index]!));
  });
  if (!(worst <= AGREEMENT_TOLERANCE[source.precision === 'float32' ? 'float32' : 'quantized'] * largest)) {
    throw new Error(`the step decoder built from the folder's model.safetensors disagrees with ${decoderPath} (logits differ by up to ${worst.toPrecision(3)}); the folder's files do not belong together — re-run the node that produced it`);
  }
}

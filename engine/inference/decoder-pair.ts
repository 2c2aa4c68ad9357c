// What a serving worker loads: the folder's exported decoder for prefill and the step decoder built from the same
// weights for decode steps; then one probe proves they are one model before any request is served.

import { readFileSync } from 'node:fs';
import { MODEL_FOLDER_REMEDY } from '../ml/export/model-folder.ts';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import { createModelSession, type ModelSession } from '../ml/runtime/session.ts';
import type { SessionOptions } from '../ml/runtime/session-options.ts';
import { prefillBatch } from './batched-prefill.ts';
import type { DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { SlotKvCache } from './slot-kv-cache.ts';
import { decodeOneToken } from './step-decode.ts';
import { stepDecoderBytes } from './step-decoder-model.ts';

export interface DecoderPair {
  prefill: ModelSession;
  step: ModelSession;
}

export interface DecoderPairSource {
  modelFolder: string;
  precision: DecoderPrecision;
  /** The exported decoder file for `precision`. */
  decoderPath: string;
  config: ModelConfig;
}

/** Logits may differ by float rounding only: this much of the largest logit's size (at least 1). */
const AGREEMENT_TOLERANCE = 1e-3;

export async function loadDecoderPair(source: DecoderPairSource, sessionOptions: SessionOptions): Promise<DecoderPair> {
  const prefill = await createModelSession(readFileSync(source.decoderPath), sessionOptions).catch((error: Error) => {
    throw new Error(describeDecoderLoadFailure(source.decoderPath, error.message));
  });
  let step: ModelSession | null = null;
  try {
    step = await createModelSession(stepDecoderBytes(source.modelFolder, source.precision), sessionOptions);
    await assertStepDecoderAgrees({ prefill, step }, source.config, source.decoderPath);
    return { prefill, step };
  } catch (error) {
    await Promise.all([prefill.release(), step?.release()]);
    throw error;
  }
}

/** ONNX Runtime's reason, said against the file; a file it cannot even parse is damaged. */
function describeDecoderLoadFailure(decoderPath: string, reason: string): string {
  if (/protobuf parsing failed/i.test(reason)) return `${decoderPath}: not a valid ONNX model (ONNX Runtime: ${reason}); the file is damaged — ${MODEL_FOLDER_REMEDY}`;
  return `${decoderPath}: ONNX Runtime could not load it (${reason})`;
}

/**
 * Prefills a short probe whole, and again without its last token followed by one step-decoder step; both give the
 * last token's logits, which must match.
 */
async function assertStepDecoderAgrees(pair: DecoderPair, config: ModelConfig, decoderPath: string): Promise<void> {
  if (config.blockSize < 2) return; // no room for a step after a prompt
  const probe = Array.from({ length: Math.min(4, config.blockSize) }, (_, index) => (7 * index + 1) % config.vocabSize);
  const [whole] = await prefillBatch(pair.prefill, config, [probe]);
  const [prefix] = await prefillBatch(pair.prefill, config, [probe.slice(0, -1)]);
  const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 1, maxSlots: config.blockSize, slotChunk: config.blockSize });
  cache.addRow(prefix!.cache);
  const stepped = await decodeOneToken(pair.step, config, cache, [probe.at(-1)!]);
  const expected = whole!.logits;
  let largest = 1;
  let worst = 0;
  expected.forEach((value, index) => {
    largest = Math.max(largest, Math.abs(value));
    worst = Math.max(worst, Math.abs(value - stepped[index]!));
  });
  if (!(worst <= AGREEMENT_TOLERANCE * largest)) {
    throw new Error(`the step decoder built from the folder's model.safetensors disagrees with ${decoderPath} (logits differ by up to ${worst.toPrecision(3)}); the folder's files do not belong together — re-run the node that produced it`);
  }
}

// Sampling text from an exported decoder: temperature and top-k over the last position's logits with a seeded
// generator, the KV cache carrying the context; when the context fills blockSize, the last half is re-read.

import type { Random } from '../tensor/random.ts';
import type { DecoderSession } from './decoder-session.ts';

export interface SamplingOptions {
  /** 0 picks the most likely token every time. */
  temperature: number;
  /** Sample among the k most likely tokens; 0 means all. */
  topK: number;
}

/** One id drawn from `logits` (V values). */
export function sampleToken(logits: Float32Array, options: SamplingOptions, random: Random): number {
  if (options.temperature === 0) return argmax(logits);
  const candidates = Array.from(logits, (logit, id) => ({ id, logit: logit / options.temperature }));
  candidates.sort((a, b) => b.logit - a.logit || a.id - b.id);
  const kept = options.topK > 0 ? candidates.slice(0, options.topK) : candidates;
  const top = (kept[0] as { logit: number }).logit;
  const weights = kept.map((candidate) => Math.exp(candidate.logit - top));
  let threshold = random.uniform() * weights.reduce((a, b) => a + b, 0);
  for (let index = 0; index < kept.length; index++) {
    threshold -= weights[index] as number;
    if (threshold < 0) return (kept[index] as { id: number }).id;
  }
  return (kept[kept.length - 1] as { id: number }).id;
}

function argmax(values: Float32Array): number {
  let best = 0;
  values.forEach((value, index) => {
    if (value > (values[best] as number)) best = index;
  });
  return best;
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Stops early after this id (the model's EOS), which is included in the result. */
  stopId?: number | null;
  signal?: AbortSignal;
}

/** New ids after `prompt` (which must hold at least one id). */
export async function generateIds(decoder: DecoderSession, prompt: readonly number[], options: GenerateOptions, random: Random): Promise<number[]> {
  if (prompt.length === 0) throw new Error('generate: the prompt encodes to no tokens; give a prompt with at least one character');
  const blockSize = decoder.config.blockSize;
  const vocabSize = decoder.config.vocabSize;
  const context = [...prompt];
  const generated: number[] = [];
  decoder.reset();
  let logits = await decoder.append(context.slice(-blockSize));
  while (generated.length < options.maxNewTokens) {
    if (options.signal?.aborted) throw new Error('generation cancelled');
    const id = sampleToken(logits.subarray(logits.length - vocabSize), options, random);
    generated.push(id);
    context.push(id);
    if (id === options.stopId) break;
    if (decoder.cachedLength + 1 > blockSize) {
      decoder.reset();
      logits = await decoder.append(context.slice(-Math.ceil(blockSize / 2)));
    } else {
      logits = await decoder.append([id]);
    }
  }
  return generated;
}

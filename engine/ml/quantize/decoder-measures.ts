// What a quantized decoder gained and lost against its float32 original, measured through the KV-cache decoder
// itself: validation loss on fixed windows, greedy top-1 agreement along a generation, and batch-1 decode speed.

import type { ModelConfig } from '../model-config.ts';
import { DecoderSession } from '../export/decoder-session.ts';
import { fixedWindowStarts, readBatch, TokenShardReader } from '../train/token-windows.ts';

/** Mean next-token cross-entropy of `decoder` over `windows` rows of ids (each row T+1 ids: inputs then targets). */
export async function decoderLoss(decoder: DecoderSession, windows: readonly BigInt64Array[], signal?: AbortSignal): Promise<number> {
  const { total, weight } = await decoderLossSum(decoder, windows, null, signal);
  return total / weight;
}

/**
 * Sum of next-token cross-entropies over `windows`, each target weighted by `weights` (one row of T per window, a
 * chat corpus's loss mask) or by 1, with the sum of the weights: the mean is total / weight.
 */
export async function decoderLossSum(decoder: DecoderSession, windows: readonly BigInt64Array[], weights: readonly Float32Array[] | null, signal?: AbortSignal): Promise<{ total: number; weight: number }> {
  const V = decoder.config.vocabSize;
  let total = 0;
  let weight = 0;
  for (const [row, window] of windows.entries()) {
    if (signal?.aborted) throw abortError('validation loss');
    const ids = Array.from(window.subarray(0, window.length - 1), Number);
    decoder.reset();
    const logits = await decoder.append(ids); // (T, V)
    ids.forEach((_, position) => {
      const w = weights === null ? 1 : (weights[row]![position] as number);
      if (w === 0) return;
      total += w * crossEntropy(logits.subarray(position * V, (position + 1) * V), Number(window[position + 1]));
      weight += w;
    });
  }
  return { total, weight };
}

/** `count` fixed rows of blockSize + 1 ids from a val shard (the same rows for every call with the same seed). */
export function validationWindows(valShard: string, config: ModelConfig, count: number, seed: number): BigInt64Array[] {
  const reader = TokenShardReader.open(valShard);
  try {
    if (reader.sidecar.vocabSize > config.vocabSize) {
      throw new Error(`quantize: the val shard ${valShard} has a vocabulary of ${reader.sidecar.vocabSize}, larger than the model's ${config.vocabSize}; it belongs to another tokenizer`);
    }
    const time = Math.min(config.blockSize, reader.count - 1);
    const [starts] = fixedWindowStarts(reader, { batch: count, time }, 1, seed, 'val');
    const batch = readBatch(reader, starts ?? [], time);
    const tokens = batch.tokens.data as BigInt64Array;
    const targets = batch.targets.data as BigInt64Array;
    return Array.from({ length: count }, (_, row) => {
      const window = new BigInt64Array(time + 1);
      window.set(tokens.subarray(row * time, (row + 1) * time));
      window[time] = targets[(row + 1) * time - 1] as bigint;
      return window;
    });
  } finally {
    reader.close();
  }
}

export interface GreedyAgreement {
  /** Tokens compared. */
  tokens: number;
  /** Share of steps where both decoders' most likely next token is the same, on the float32 decoder's greedy path. */
  topOneAgreement: number;
  /** Tokens the two free-running greedy generations share before they first differ. */
  identicalPrefix: number;
  /**
   * Given `nearTieLogits`: the share of steps where the float32 decoder rates the candidate's pick within that many
   * logits of its own (a step that agrees counts). A near-tie that rounding flips can recur on a looping greedy path.
   */
  agreementBesideNearTies?: number;
}

/**
 * Both decoders read the same context (the float32 decoder's greedy continuation of `prompt`), so one early
 * disagreement does not make every later token differ; the free-running prefix is reported beside it.
 */
export async function greedyAgreement(reference: DecoderSession, candidate: DecoderSession, prompt: readonly number[], tokens: number, nearTieLogits?: number): Promise<GreedyAgreement> {
  const { blockSize } = reference.config;
  const context = [...prompt];
  let agreed = 0;
  let besideNearTies = 0;
  let identicalPrefix = 0;
  let diverged = false;
  const readContext = async (ids: readonly number[]) => {
    const referenceLogits = await lastLogits(reference, ids);
    return [argmax(referenceLogits), argmax(await lastLogits(candidate, ids)), referenceLogits] as const;
  };
  for (const decoder of [reference, candidate]) decoder.reset();
  let [chosen, other, referenceLogits] = await readContext(context.slice(-blockSize));
  for (let step = 0; step < tokens; step++) {
    if (chosen === other) agreed++;
    if (nearTieLogits !== undefined && (referenceLogits[chosen] as number) - (referenceLogits[other] as number) < nearTieLogits) besideNearTies++;
    diverged ||= chosen !== other;
    if (!diverged) identicalPrefix++;
    context.push(chosen);
    if (reference.cachedLength + 1 > blockSize) {
      for (const decoder of [reference, candidate]) decoder.reset();
      [chosen, other, referenceLogits] = await readContext(context.slice(-Math.ceil(blockSize / 2)));
    } else {
      [chosen, other, referenceLogits] = await readContext([chosen]);
    }
  }
  return { tokens, topOneAgreement: agreed / tokens, identicalPrefix, ...(nearTieLogits === undefined ? {} : { agreementBesideNearTies: besideNearTies / tokens }) };
}

/**
 * Decode tokens/s of two decoders, measured in alternating runs so a change in machine load falls on both alike;
 * the median of `runs` each.
 */
export async function interleavedDecodeSpeeds(first: DecoderSession, second: DecoderSession, tokens: number, runs: number): Promise<[number, number]> {
  const firstRates: number[] = [];
  const secondRates: number[] = [];
  for (let run = 0; run < runs; run++) {
    firstRates.push(await decodeTokensPerSecond(first, tokens, 1));
    secondRates.push(await decodeTokensPerSecond(second, tokens, 1));
  }
  return [median(firstRates), median(secondRates)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Incremental batch-1 decode speed: one prompt token, then `tokens` single-token steps; the median of `runs`. */
export async function decodeTokensPerSecond(decoder: DecoderSession, tokens: number, runs: number): Promise<number> {
  const steps = Math.min(tokens, decoder.config.blockSize - 1);
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    decoder.reset();
    let logits = await decoder.append([0]);
    const started = performance.now();
    for (let step = 0; step < steps; step++) logits = await decoder.append([argmax(logits)]);
    rates.push((steps * 1000) / (performance.now() - started));
  }
  return median(rates);
}

async function lastLogits(decoder: DecoderSession, ids: readonly number[]): Promise<Float32Array> {
  const logits = await decoder.append(ids);
  return logits.subarray(logits.length - decoder.config.vocabSize);
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if ((values[index] as number) > (values[best] as number)) best = index;
  return best;
}

function crossEntropy(logits: Float32Array, target: number): number {
  let largest = -Infinity;
  for (const logit of logits) largest = Math.max(largest, logit);
  let sum = 0;
  for (const logit of logits) sum += Math.exp(logit - largest);
  return Math.log(sum) + largest - (logits[target] as number);
}

function abortError(what: string): Error {
  const error = new Error(`${what} cancelled`);
  error.name = 'AbortError';
  return error;
}

// Prompt scoring for `echo` with `logprobs` (what evaluation harnesses send): one exported-decoder call over the
// whole prompt gives every position's logits; each prompt token's log probability is read from the position before
// it, with the most likely alternatives, over the vocabulary generation samples from. No bias, penalties or
// temperature: these are the model's own probabilities. Runs in the inference worker beside the decode loop (ONNX
// Runtime sessions take concurrent runs); ids only, the main thread adds texts.

import { decoderNames } from '../ml/export/kv-decoder.ts';
import type { ModelConfig } from '../ml/model-config.ts';
import type { ModelSession } from '../ml/runtime/session.ts';
import { prefillFeeds } from './batched-prefill.ts';
import { logSumExp } from './sampling.ts';
import { topRanked } from './top-ranked.ts';

export interface IdLogprob {
  tokenId: number;
  logprob: number;
}

/** One scored position: the log probability of the token that follows, and the most likely tokens there. */
export interface ScoredPosition {
  logprob: number;
  top: IdLogprob[];
}

export interface PromptIdScores {
  /** For prompt tokens 1 … T−1 (the first has no context to be scored from). */
  positions: ScoredPosition[];
  /** The end-of-text token after the whole prompt; null without one, or for an empty prompt. */
  endOfText: ScoredPosition | null;
}

export interface PromptScoringOptions {
  topLogprobs: number;
  /** Ids the tokenizer can turn into text (decode-loop.ts); a padded embedding's extra ids are left out. */
  sampledVocabSize: number;
  eosTokenId: number | null;
}

export async function scorePromptIds(session: ModelSession, config: ModelConfig, tokens: readonly number[], options: PromptScoringOptions): Promise<PromptIdScores> {
  if (tokens.length === 0) return { positions: [], endOfText: null };
  if (tokens.length > config.blockSize) throw new Error(`prompt of ${tokens.length} tokens is longer than the model's context of ${config.blockSize}`);
  const logits = await promptLogits(session, config, tokens);
  return scoresFromLogits(logits, config.vocabSize, tokens, options);
}

/**
 * Reads the scores out of (T, V) logits, row p predicting token p + 1. Each log probability is the logit less the row's
 * log-sum-exp, exactly as logSoftmax (sampling.ts) computes it, without building the whole row's: a prompt has a row
 * per token.
 */
export function scoresFromLogits(logits: Float32Array, vocabSize: number, tokens: readonly number[], options: PromptScoringOptions): PromptIdScores {
  const values = new Float64Array(vocabSize);
  const scratch = new Float64Array(vocabSize);
  const scoreAt = (position: number, tokenId: number): ScoredPosition => {
    // A prompt may name an id past the tokenizer (a padded embedding); it is then scored over the whole row.
    const width = tokenId < options.sampledVocabSize ? options.sampledVocabSize : vocabSize;
    const row = logits.subarray(position * vocabSize, position * vocabSize + width);
    const logSum = logSumExp(row);
    const logprobOf = (id: number) => row[id]! - logSum;
    if (options.topLogprobs <= 0) return { logprob: logprobOf(tokenId), top: [] };
    const ranked = values.subarray(0, width);
    ranked.set(row);
    const top = topRanked(ranked, options.topLogprobs, scratch).map((id) => ({ tokenId: id, logprob: logprobOf(id) }));
    return { logprob: logprobOf(tokenId), top };
  };
  const positions = tokens.slice(1).map((tokenId, index) => scoreAt(index, tokenId));
  const eos = options.eosTokenId;
  const endOfText = eos === null ? null : scoreAt(tokens.length - 1, eos);
  return { positions, endOfText };
}

/** The exported decoder over the whole prompt from an empty cache: (T, V) logits. */
async function promptLogits(session: ModelSession, config: ModelConfig, tokens: readonly number[]): Promise<Float32Array> {
  const results = await session.run(prefillFeeds(config, [tokens]));
  return results[decoderNames.logits]!.data as Float32Array;
}

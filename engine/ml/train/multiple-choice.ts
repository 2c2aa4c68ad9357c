// Scores a multiple-choice suite by log-likelihood, as lm-evaluation-harness scores HellaSwag and ARC: each choice is
// appended to the context (after one space, unless either side already has whitespace there), its tokens' log
// probabilities given everything before them are summed, and the choice with the highest sum is the model's answer
// ("accuracy"); divided by the choice's length in characters, the highest gives "accuracy (length-normalised)".
import type { Tokenizer } from '../../tokenize/tokenizer.ts';
import { argmax } from '../../inference/sampling.ts';
import { decoderLossSum } from '../quantize/decoder-measures.ts';
import type { DecoderSession } from '../export/decoder-session.ts';
import type { MultipleChoiceItem } from './multiple-choice-suite.ts';
import type { MultipleChoiceReport } from '../../../app/artifacts/reports.ts';

export interface MultipleChoiceScoring {
  /** The suite's file, named in the report. */
  file: string;
  /** Fed before an empty context (the model's end-of-text token); null when the model has none. */
  startTokenId: number | null;
  signal?: AbortSignal;
  /** Called after each question with how many are done. */
  onProgress?: (done: number) => void;
  /** Called with each question's per-choice Σ log P (before length normalisation), in the suite's order. */
  onChoiceScores?: (question: number, sums: readonly number[]) => void;
}

/** The text a choice adds after the context. */
export function continuationOf(context: string, choice: string): string {
  return context === '' || /\s$/.test(context) || /^\s/.test(choice) ? choice : ` ${choice}`;
}

export async function scoreMultipleChoice(decoder: DecoderSession, tokenizer: Tokenizer, items: readonly MultipleChoiceItem[], scoring: MultipleChoiceScoring): Promise<MultipleChoiceReport> {
  let correct = 0;
  let correctNorm = 0;
  for (const [index, item] of items.entries()) {
    if (scoring.signal?.aborted) throw new Error('evaluation cancelled');
    const where = `${scoring.file}: question ${index + 1}`;
    const contextIds = contextTokens(tokenizer, item.context, scoring.startTokenId, where);
    const sums: number[] = [];
    const norms: number[] = [];
    for (const choice of item.choices) {
      const text = continuationOf(item.context, choice);
      const sum = await continuationLogprob(decoder, contextIds, tokenizer.encode(text), where);
      sums.push(sum);
      norms.push(sum / Math.max(1, [...text].length));
    }
    scoring.onChoiceScores?.(index, sums);
    if (argmax(sums) === item.gold) correct++;
    if (argmax(norms) === item.gold) correctNorm++;
    scoring.onProgress?.(index + 1);
  }
  return { file: scoring.file, questions: items.length, accuracy: correct / items.length, accuracyNorm: correctNorm / items.length };
}

function contextTokens(tokenizer: Tokenizer, context: string, startTokenId: number | null, where: string): number[] {
  const ids = tokenizer.encode(context);
  if (ids.length > 0) return ids;
  if (startTokenId === null) throw new Error(`${where}: the context is empty and the model has no end-of-text token to start from; give each question some context`);
  return [startTokenId];
}

/**
 * Σ log P(continuation token | all before it), from one pass over context + continuation (its start cut to fit): the
 * validation loss's masked cross-entropy sum (decoderLossSum), weighted 1 on the continuation's tokens only, negated.
 */
async function continuationLogprob(decoder: DecoderSession, contextIds: readonly number[], continuationIds: readonly number[], where: string): Promise<number> {
  const blockSize = decoder.config.blockSize;
  if (continuationIds.length === 0) throw new Error(`${where}: a choice encodes to no tokens; every choice needs some text`);
  if (continuationIds.length >= blockSize) throw new Error(`${where}: a choice is ${continuationIds.length} tokens, which leaves no room for context in the model's ${blockSize}; shorten the choices`);
  const ids = [...contextIds, ...continuationIds].slice(-blockSize);
  const firstScored = ids.length - continuationIds.length;
  const window = BigInt64Array.from(ids, BigInt);
  const weights = Float32Array.from({ length: ids.length - 1 }, (_, position) => (position + 1 >= firstScored ? 1 : 0));
  const { total } = await decoderLossSum(decoder, [window], [weights]);
  return -total;
}

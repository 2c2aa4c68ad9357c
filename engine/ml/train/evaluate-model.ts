// Evaluates a model folder (through its quantized decoder when it has one): mean loss on fixed val windows, perplexity, bits per token, character and byte (the text
// the scored targets decode to), and sampled generations from a prompt through the exported KV-cache decoder.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../tokenize/index.ts';
import { DecoderSession } from '../export/decoder-session.ts';
import { generateIds } from '../export/generate.ts';
import { readModelFolder, specialTokenIds } from '../export/model-folder.ts';
import type { TrainBatch } from './step/train-batch.ts';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import { createRandom } from '../tensor/random.ts';
import { decoderLossSum } from '../quantize/decoder-measures.ts';
import { evaluatedDecoderOf, type EvaluatedDecoder } from './evaluated-decoder.ts';
import { LossEvaluator } from './loss-evaluator.ts';
import { fixedWindowStarts, readBatch, TokenShardReader } from './token-windows.ts';
import { readMultipleChoiceSuite } from './multiple-choice-suite.ts';
import { scoreMultipleChoice } from './multiple-choice.ts';
import { releaseEach } from './release-each.ts';
import type { EvaluationResult } from '../../../app/artifacts/reports.ts';

export interface EvaluationJob {
  modelFolder: string;
  /** Shard base of the held-out split. */
  valShard: string;
  /** The held-out split's loss mask (a chat corpus's): only its trained targets, the assistant's, are scored. */
  valMask: string | null;
  batchSize: number;
  evalBatches: number;
  samples: number;
  maxNewTokens: number;
  prompt: string;
  temperature: number;
  topK: number;
  seed: number;
  /** A multiple-choice suite (JSONL, multiple-choice-suite.ts) to score by log-likelihood; absent or null for none. */
  multipleChoiceFile?: string | null;
  threads: number;
  /** Where the sessions run, resolved before the job starts (runtime/device.ts); the CPU when absent. */
  device?: ComputeDevice;
}

/** What an evaluation measures: exactly what the evaluate node receives (nodes/capabilities/training.ts). */
export type EvaluationReport = EvaluationResult;

const VAL_WINDOW_SEED_OFFSET = 2;

export async function evaluateModel(job: EvaluationJob, signal?: AbortSignal): Promise<EvaluationReport> {
  const model = readModelFolder(job.modelFolder);
  const tokenizer = model.tokenizerJson === null ? null : loadHuggingFaceTokenizer(JSON.parse(model.tokenizerJson), `${job.modelFolder}/tokenizer.json`);
  // Read first, so a bad suite fails the node before minutes of scoring rather than after.
  const suite = job.multipleChoiceFile == null ? null : readMultipleChoiceSuite(job.multipleChoiceFile);
  if (suite !== null && tokenizer === null) throw new Error(`evaluate: ${job.modelFolder} has no tokenizer.json, so the multiple-choice suite cannot be encoded; leave multipleChoice empty or train from a tokenizer node's tokens`);
  const decoder = evaluatedDecoderOf(job.modelFolder);
  const val = TokenShardReader.open(job.valShard, job.valMask);
  if (val.sidecar.vocabSize > model.config.vocabSize) {
    val.close();
    throw new Error(`evaluate: the val shard's vocabulary (${val.sidecar.vocabSize}) is larger than the model's (${model.config.vocabSize}); evaluate with the tokens the model was trained on`);
  }
  // Windows span the model's context, or the whole val split when it is shorter (a small chat set under GPT-2's 1024).
  const shape = { batch: job.batchSize, time: Math.max(1, Math.min(model.config.blockSize, val.count - 1)) };
  const scorer = await batchScorer(job, model, decoder, shape).catch((error: unknown) => {
    val.close();
    throw error;
  });
  // The samples and the suite share one KV-cache decoder (each resets it), made when the first needs it.
  let generation = null as Promise<DecoderSession> | null;
  const generationDecoder = () => (generation ??= DecoderSession.create(model.config, readFileSync(path.join(job.modelFolder, decoder.file)), job.threads, job.device));
  let evaluationFailed = false;
  try {
    let lossTotal = 0;
    let tokensScored = 0;
    const text = { characters: 0, bytes: 0 };
    const starts = fixedWindowStarts(val, shape, job.evalBatches, job.seed + VAL_WINDOW_SEED_OFFSET, 'val');
    for (const rowStarts of starts) {
      if (signal?.aborted) throw new Error('evaluation cancelled');
      const batch = readBatch(val, rowStarts, shape.time);
      const score = await scorer.score(batch, signal);
      lossTotal += score.total;
      tokensScored += score.weight;
      if (tokenizer !== null) countText(tokenizer, batch, shape.time, text);
    }
    if (tokensScored === 0) throw new Error(`evaluate: the ${starts.length * shape.batch} val windows hold no trained target (their loss mask is all zeros); raise evalBatches or add conversations with assistant turns`);
    const valLoss = lossTotal / tokensScored;
    const totalBits = (valLoss * tokensScored) / Math.LN2;
    const samples = await sampleTexts(job, model, generationDecoder, tokenizer, signal);
    const multipleChoice = suite === null ? null : await scoreMultipleChoice(await generationDecoder(), tokenizer!, suite, { file: job.multipleChoiceFile!, startTokenId: specialTokenIds(model.tokenizerJson!).eos, signal });
    return {
      decoder: decoder.file,
      precision: decoder.precision,
      valLoss,
      perplexity: Math.exp(valLoss),
      bitsPerToken: valLoss / Math.LN2,
      bitsPerCharacter: tokenizer === null ? null : totalBits / text.characters,
      bitsPerByte: tokenizer === null ? null : totalBits / text.bytes,
      tokensScored,
      samples,
      multipleChoice,
    };
  } catch (error) {
    evaluationFailed = true;
    throw error;
  } finally {
    // Each release runs whatever the others do; a failed one surfaces only when the evaluation's own error does not.
    const released = await releaseEach([() => scorer.release(), () => generation?.then((session) => session.release(), () => undefined), () => val.close()]);
    if (!evaluationFailed && released !== null) throw released.error;
  }
}

/** A batch's summed loss over its scored targets and how many were scored (all, or a loss mask's ones). */
interface BatchScore {
  total: number;
  weight: number;
}

interface BatchScorer {
  score(batch: TrainBatch, signal?: AbortSignal): Promise<BatchScore>;
  release(): Promise<void>;
}

/** A quantized folder is scored through its quantized decoder, row by row; a float32 one in one batched graph. */
async function batchScorer(job: EvaluationJob, model: ReturnType<typeof readModelFolder>, decoder: EvaluatedDecoder, shape: { batch: number; time: number }): Promise<BatchScorer> {
  if (!decoder.quantized) {
    const weighted = job.valMask !== null;
    const evaluator = await LossEvaluator.create(model.config, shape, job.threads, job.device, { weighted });
    return {
      score: async (batch) => {
        const weight = weightOf(batch);
        return weight === 0 ? { total: 0, weight } : { total: (await evaluator.meanLoss(model.parameters, [batch])) * weight, weight };
      },
      release: () => evaluator.release(),
    };
  }
  const session = await DecoderSession.create(model.config, readFileSync(path.join(job.modelFolder, decoder.file)), job.threads, job.device);
  return {
    score: (batch, signal) => decoderLossSum(session, windowsOf(batch, shape.time), rowsOf(batch.lossWeights, shape.time), signal),
    release: () => session.release(),
  };
}

/** The targets a batch scores: the sum of its loss weights, or every target. */
function weightOf(batch: TrainBatch): number {
  if (batch.lossWeights === undefined) return batch.targets.data.length;
  return (batch.lossWeights.data as Float32Array).reduce((sum, value) => sum + value, 0);
}

function rowsOf(weights: TrainBatch['lossWeights'], time: number): Float32Array[] | null {
  if (weights === undefined) return null;
  const data = weights.data as Float32Array;
  return Array.from({ length: data.length / time }, (_, row) => data.subarray(row * time, (row + 1) * time));
}

/** Each row as T + 1 ids: its inputs followed by its last target. */
function windowsOf(batch: TrainBatch, time: number): BigInt64Array[] {
  const tokens = batch.tokens.data as BigInt64Array;
  const targets = batch.targets.data as BigInt64Array;
  return Array.from({ length: batch.tokens.shape[0] as number }, (_, row) => {
    const window = new BigInt64Array(time + 1);
    window.set(tokens.subarray(row * time, (row + 1) * time));
    window[time] = targets[(row + 1) * time - 1] as bigint;
    return window;
  });
}

/** Characters and bytes of the scored targets' text (a loss mask's trained targets only, when there is one). */
function countText(tokenizer: Tokenizer, batch: TrainBatch, time: number, text: { characters: number; bytes: number }): void {
  const targets = batch.targets.data as BigInt64Array;
  const weights = batch.lossWeights?.data as Float32Array | undefined;
  for (let row = 0; row < batch.targets.shape[0]!; row++) {
    const ids: number[] = [];
    for (let position = row * time; position < (row + 1) * time; position++) {
      if (weights === undefined || weights[position] !== 0) ids.push(Number(targets[position]));
    }
    const decoded = tokenizer.decode(ids);
    text.characters += [...decoded].length;
    text.bytes += Buffer.byteLength(decoded, 'utf8');
  }
}

async function sampleTexts(job: EvaluationJob, model: ReturnType<typeof readModelFolder>, generationDecoder: () => Promise<DecoderSession>, tokenizer: Tokenizer | null, signal?: AbortSignal): Promise<EvaluationReport['samples']> {
  if (job.samples === 0) return [];
  if (tokenizer === null) throw new Error(`evaluate: ${job.modelFolder} has no tokenizer.json, so samples cannot be encoded or decoded; set samples to 0 or train from a tokenizer node's tokens`);
  const decoder = await generationDecoder();
  const stopId = model.tokenizerJson === null ? null : specialTokenIds(model.tokenizerJson).eos;
  const promptIds = tokenizer.encode(job.prompt);
  const random = createRandom(job.seed);
  const samples: EvaluationReport['samples'] = [];
  for (let index = 0; index < job.samples; index++) {
    const ids = await generateIds(decoder, promptIds, { temperature: job.temperature, topK: job.topK, maxNewTokens: job.maxNewTokens, stopId, signal }, random);
    samples.push({ prompt: job.prompt, text: tokenizer.decode(ids), tokens: ids.length });
  }
  return samples;
}

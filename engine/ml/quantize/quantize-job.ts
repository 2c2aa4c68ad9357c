// The quantize node's whole job: write the quantized model folder, then measure it against the float32 decoder —
// file sizes, val loss and perplexity (when val tokens are known), greedy agreement and decode speed — into report.json.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DecoderSession } from '../export/decoder-session.ts';
import { writeModelCard } from '../export/model-card.ts';
import { decoderLoss, greedyAgreement, interleavedDecodeSpeeds, validationWindows } from './decoder-measures.ts';
import { quantizeModelFolder, type ModelQuantizationSettings } from './quantize-model-folder.ts';

export interface QuantizeJob {
  sourceFolder: string;
  targetFolder: string;
  settings: ModelQuantizationSettings;
  provenance: Record<string, unknown>;
  /** Val shard base of the tokens the model was trained on, or null when the model does not say where they are. */
  valShard: string | null;
  /** Fixed val windows (blockSize tokens each) scored by both decoders. */
  evalWindows: number;
  /** Single-token decode steps per speed run; three runs of each decoder, interleaved, and their medians. */
  decodeTokens: number;
}

export interface ValidationComparison {
  windows: number;
  tokensScored: number;
  floatLoss: number;
  quantizedLoss: number;
  floatPerplexity: number;
  quantizedPerplexity: number;
  perplexityChangePercent: number;
}

export interface QuantizationReport {
  format: 'crucible.quantization';
  version: 1;
  settings: ModelQuantizationSettings;
  decoderFile: string;
  quantizedWeights: number;
  floatDecoderBytes: number;
  quantizedDecoderBytes: number;
  /** Quantized decoder size / float32 decoder size. */
  sizeRatio: number;
  /** Null when no val tokens were found; `validationNote` says why. */
  validation: ValidationComparison | null;
  validationNote: string | null;
  greedyAgreement: { tokens: number; topOneAgreement: number; identicalPrefix: number };
  floatTokensPerSecond: number;
  quantizedTokensPerSecond: number;
  /** Quantized decode tokens/s over float32's, batch 1, one thread. */
  decodeSpeedRatio: number;
}

export const QUANTIZATION_REPORT_FILE = 'report.json';
const SPEED_RUNS = 3;
const AGREEMENT_TOKENS = 200;
const VAL_WINDOW_SEED = 1234;

export async function runQuantizeJob(job: QuantizeJob, log: (line: string) => void, signal?: AbortSignal): Promise<QuantizationReport> {
  const folder = quantizeModelFolder(job);
  log(`wrote ${folder.quantizedDecoderFile}: ${folder.quantizedWeights.length} weights quantized, ${megabytes(folder.quantizedDecoderBytes)} vs ${megabytes(folder.floatDecoderBytes)} float32`);
  const [floatDecoder, quantizedDecoder] = await Promise.all([
    DecoderSession.create(folder.config, readFileSync(folder.floatDecoderPath)),
    DecoderSession.create(folder.config, readFileSync(folder.quantizedDecoderPath)),
  ]);
  try {
    const validation = job.valShard === null ? null : await compareValidation(job.valShard, job.evalWindows, floatDecoder, quantizedDecoder, signal);
    if (signal?.aborted) throw new Error('quantize cancelled');
    const agreement = await greedyAgreement(floatDecoder, quantizedDecoder, [0], AGREEMENT_TOKENS);
    const [floatTokensPerSecond, quantizedTokensPerSecond] = await interleavedDecodeSpeeds(floatDecoder, quantizedDecoder, job.decodeTokens, SPEED_RUNS);
    const report: QuantizationReport = {
      format: 'crucible.quantization',
      version: 1,
      settings: job.settings,
      decoderFile: folder.quantizedDecoderFile.split(path.sep).join('/'),
      quantizedWeights: folder.quantizedWeights.length,
      floatDecoderBytes: folder.floatDecoderBytes,
      quantizedDecoderBytes: folder.quantizedDecoderBytes,
      sizeRatio: folder.quantizedDecoderBytes / folder.floatDecoderBytes,
      validation,
      validationNote: validation === null ? 'the model folder does not record where its training tokens are, so only size, agreement and speed were measured' : null,
      greedyAgreement: agreement,
      floatTokensPerSecond,
      quantizedTokensPerSecond,
      decodeSpeedRatio: quantizedTokensPerSecond / floatTokensPerSecond,
    };
    writeFileSync(path.join(job.targetFolder, QUANTIZATION_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    writeModelCard(job.targetFolder, { modelFolder: job.targetFolder });
    return report;
  } finally {
    await Promise.all([floatDecoder.release(), quantizedDecoder.release()]);
  }
}

async function compareValidation(valShard: string, count: number, floatDecoder: DecoderSession, quantizedDecoder: DecoderSession, signal?: AbortSignal): Promise<ValidationComparison> {
  const windows = validationWindows(valShard, floatDecoder.config, count, VAL_WINDOW_SEED);
  const floatLoss = await decoderLoss(floatDecoder, windows, signal);
  const quantizedLoss = await decoderLoss(quantizedDecoder, windows, signal);
  const [floatPerplexity, quantizedPerplexity] = [Math.exp(floatLoss), Math.exp(quantizedLoss)];
  return {
    windows: windows.length,
    tokensScored: windows.reduce((total, window) => total + window.length - 1, 0),
    floatLoss,
    quantizedLoss,
    floatPerplexity,
    quantizedPerplexity,
    perplexityChangePercent: (quantizedPerplexity / floatPerplexity - 1) * 100,
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

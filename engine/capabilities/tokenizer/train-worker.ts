// Worker-thread side of tokenizer training: streams the split from disk into trainBpe / trainChar (which take a
// synchronous iterable), reports bytes read and warnings, and answers with the tokenizer.json of the result.
import { statSync } from 'node:fs';
import type { TokenizerTrainingRequest } from '../../../nodes/capabilities/tokenizer.ts';
import { trainBpe, trainChar } from '../../tokenize/index.ts';
import { performWorkerJob } from '../../workers/perform-worker-job.ts';
import type { WorkerJobProtocol } from '../../workers/worker-job-protocol.ts';
import { splitChunks } from './split-chunks.ts';
import { readSplitPieces } from './split-pieces.ts';

export interface TrainWorkerData {
  request: TokenizerTrainingRequest;
  chunkChars: number;
}

export type TrainWorkerProgress = { type: 'read'; bytesRead: number; stage?: string } | { type: 'warning'; message: string };

/** The result is the trained tokenizer's tokenizer.json. */
export type TrainWorkerProtocol = WorkerJobProtocol<TrainWorkerData, TrainWorkerProgress, unknown>;

type Report = (progress: TrainWorkerProgress) => void;

const PROGRESS_INTERVAL_MS = 250;

/** The split's text in chunks; special tokens between documents keep BPE pieces from spanning two documents. */
function* trainingTexts({ request, chunkChars }: TrainWorkerData, report: Report): Generator<string> {
  const separator = request.specialTokens[0] ?? null;
  let lastReportMs = 0;
  for (const chunk of splitChunks(readSplitPieces(request.split), { chunkChars, separator, addedTokens: request.specialTokens })) {
    if (performance.now() - lastReportMs >= PROGRESS_INTERVAL_MS) {
      report({ type: 'read', bytesRead: chunk.bytesRead });
      lastReportMs = performance.now();
    }
    yield chunk.text;
  }
  report({ type: 'read', bytesRead: statSync(request.split.textPath).size, stage: request.kind === 'bpe' ? 'learning merges' : 'building the vocabulary' });
}

function train(data: TrainWorkerData, report: Report): unknown {
  const { request } = data;
  const onWarning = (message: string): void => report({ type: 'warning', message });
  const tokenizer =
    request.kind === 'bpe'
      ? trainBpe(trainingTexts(data, report), { vocabSize: request.vocabSize, minFrequency: request.minFrequency, specialTokens: request.specialTokens, onWarning })
      : trainChar(trainingTexts(data, report), { specialTokens: request.specialTokens });
  return tokenizer.toHuggingFaceJson();
}

performWorkerJob<TrainWorkerProtocol>((data, { report }) => train(data, report));

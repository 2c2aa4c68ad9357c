// Worker-thread side of tokenizer training: streams the split from disk into trainBpe / trainChar (which take a
// synchronous iterable), reports bytes read and warnings, and answers with the tokenizer.json of the result.
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { TokenizerTrainingRequest } from '../../../nodes/services/tokenizer-service.ts';
import { trainBpe, trainChar } from '../../tokenize/index.ts';
import { splitChunks } from './split-chunks.ts';
import { readSplitPieces } from './split-pieces.ts';

export interface TrainWorkerData {
  request: TokenizerTrainingRequest;
  chunkChars: number;
}

export type TrainWorkerMessage =
  | { type: 'progress'; bytesRead: number; stage?: string }
  | { type: 'warning'; message: string }
  | { type: 'done'; tokenizerJson: unknown };

const PROGRESS_INTERVAL_MS = 250;

function post(message: TrainWorkerMessage): void {
  parentPort?.postMessage(message);
}

/** The split's text in chunks; special tokens between documents keep BPE pieces from spanning two documents. */
function* trainingTexts({ request, chunkChars }: TrainWorkerData): Generator<string> {
  const separator = request.specialTokens[0] ?? null;
  let lastReportMs = 0;
  for (const chunk of splitChunks(readSplitPieces(request.split), { chunkChars, separator, addedTokens: request.specialTokens })) {
    if (performance.now() - lastReportMs >= PROGRESS_INTERVAL_MS) {
      post({ type: 'progress', bytesRead: chunk.bytesRead });
      lastReportMs = performance.now();
    }
    yield chunk.text;
  }
  post({ type: 'progress', bytesRead: statSync(request.split.textPath).size, stage: request.kind === 'bpe' ? 'learning merges' : 'building the vocabulary' });
}

function train(data: TrainWorkerData): unknown {
  const { request } = data;
  const onWarning = (message: string): void => post({ type: 'warning', message });
  const tokenizer =
    request.kind === 'bpe'
      ? trainBpe(trainingTexts(data), { vocabSize: request.vocabSize, minFrequency: request.minFrequency, specialTokens: request.specialTokens, onWarning })
      : trainChar(trainingTexts(data), { specialTokens: request.specialTokens });
  return tokenizer.toHuggingFaceJson();
}

post({ type: 'done', tokenizerJson: train(workerData as TrainWorkerData) });

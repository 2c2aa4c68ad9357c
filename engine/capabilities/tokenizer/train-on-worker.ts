// Main-thread side of tokenizer training: runs train-worker.ts on its own thread so the engine keeps serving events
// while a large corpus is counted, relays progress and warnings, and terminates the thread on cancel.
import { statSync } from 'node:fs';
import type { TokenizerJobHooks, TokenizerTrainingRequest } from '../../../nodes/capabilities/tokenizer.ts';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../tokenize/index.ts';
import { runWorkerJob } from '../../workers/run-worker-job.ts';
import type { TrainWorkerProgress, TrainWorkerProtocol } from './train-worker.ts';

const TRAIN_WORKER_URL = new URL('./train-worker.ts', import.meta.url);

export async function trainOnWorker(request: TokenizerTrainingRequest, hooks: TokenizerJobHooks, chunkChars: number): Promise<Tokenizer> {
  hooks.signal.throwIfAborted();
  const textPath = request.split.textPath;
  const bytesTotal = statSync(textPath).size;
  const onProgress = (progress: TrainWorkerProgress): void => {
    if (progress.type === 'read') hooks.onProgress?.({ bytesRead: progress.bytesRead, bytesTotal, ...(progress.stage ? { stage: progress.stage } : {}) });
    else hooks.onWarning?.(progress.message);
  };
  try {
    const tokenizerJson = await runWorkerJob<TrainWorkerProtocol>(TRAIN_WORKER_URL, { request, chunkChars }, { label: `tokenizer training on ${textPath}`, signal: hooks.signal, onProgress });
    return loadHuggingFaceTokenizer(tokenizerJson, `tokenizer trained on ${textPath}`);
  } catch (error) {
    // The tokenizer capability promises that a cancelled job rejects with the signal's own reason.
    hooks.signal.throwIfAborted();
    throw error;
  }
}

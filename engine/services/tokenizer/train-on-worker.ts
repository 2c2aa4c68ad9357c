// Main-thread side of tokenizer training: runs train-worker.ts on its own thread so the engine keeps serving events
// while a large corpus is counted, relays progress and warnings, and terminates the thread on cancel.
import { statSync } from 'node:fs';
import type { TokenizerJobHooks, TokenizerTrainingRequest } from '../../../nodes/services/tokenizer-service.ts';
import { loadHuggingFaceTokenizer, type Tokenizer } from '../../tokenize/index.ts';
import { startTypeScriptWorker } from '../../workers/typescript-worker.ts';
import type { TrainWorkerData, TrainWorkerMessage } from './train-worker.ts';

const TRAIN_WORKER_URL = new URL('./train-worker.ts', import.meta.url);

export function trainOnWorker(request: TokenizerTrainingRequest, hooks: TokenizerJobHooks, chunkChars: number): Promise<Tokenizer> {
  hooks.signal.throwIfAborted();
  const bytesTotal = statSync(request.split.textPath).size;
  const data: TrainWorkerData = { request, chunkChars };
  const worker = startTypeScriptWorker(TRAIN_WORKER_URL, data);
  return new Promise<Tokenizer>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      hooks.signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      try {
        outcome();
      } catch (error) {
        reject(error);
      }
    };
    const onAbort = (): void => settle(() => reject(hooks.signal.reason));
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: TrainWorkerMessage) => {
      if (message.type === 'progress') hooks.onProgress?.({ bytesRead: message.bytesRead, bytesTotal, ...(message.stage ? { stage: message.stage } : {}) });
      else if (message.type === 'warning') hooks.onWarning?.(message.message);
      else settle(() => resolve(loadHuggingFaceTokenizer(message.tokenizerJson, `tokenizer trained on ${request.split.textPath}`)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`tokenizer training on ${request.split.textPath}: the worker thread exited (code ${code}) before finishing`))));
  });
}

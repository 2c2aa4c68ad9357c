// Worker-thread side of the inference runtime: loads the decoders once (the exported one for prefill, the step
// decoder for decode steps), then runs the continuous-batching decode loop for the requests the main thread
// submits, posting each step's tokens back in one message.
import { parentPort, workerData } from 'node:worker_threads';
import { loadDecoderPair } from './decoder-pair.ts';
import { DecodeLoop } from './decode-loop.ts';
import type { FromWorkerMessage, InferenceWorkerData, ToWorkerMessage } from './worker-protocol.ts';

const data = workerData as InferenceWorkerData;
const port = parentPort!;
const post = (message: FromWorkerMessage) => port.postMessage(message);

try {
  const decoders = await loadDecoderPair(data, { intraOpThreads: data.intraOpThreads, device: data.device });
  const loop = new DecodeLoop({ prefillSession: decoders.prefill, stepSession: decoders.step, config: data.config, eosTokenId: data.eosTokenId, sampledVocabSize: data.sampledVocabSize, maxBatchSize: data.maxBatchSize, emit: (events) => post({ type: 'events', events }) });
  port.on('message', (message: ToWorkerMessage) => {
    if (message.type === 'submit') loop.submit(message.requestId, message.request);
    else if (message.type === 'cancel') loop.cancel(message.requestId);
    else if (message.type === 'crash') {
      setImmediate(() => {
        throw new Error('inference worker: crash requested');
      });
    }
  });
  post({ type: 'ready' });
} catch (error) {
  // Each file's reader names its file (decoder-pair.ts, the safetensors and config readers), so no prefix here.
  post({ type: 'load-failed', message: (error as Error).message });
}

// Worker-thread side of the parallel shard encoder: loads the tokenizer from its tokenizer.json once, then encodes
// each chunk it is sent and transfers the ids back as a Uint32Array.
import { parentPort, workerData } from 'node:worker_threads';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';

export interface EncodeRequest {
  index: number;
  text: string;
}

export interface EncodeResponse {
  index: number;
  ids: Uint32Array;
}

const tokenizer = loadHuggingFaceTokenizer((workerData as { tokenizerJson: unknown }).tokenizerJson, 'encode worker tokenizer');

parentPort?.on('message', ({ index, text }: EncodeRequest) => {
  const ids = Uint32Array.from(tokenizer.encode(text));
  const response: EncodeResponse = { index, ids };
  parentPort?.postMessage(response, [ids.buffer]);
});

// Worker-thread side of the inference runtime: loads the decoders once (the exported one for prefill, the step
// decoder for decode steps), then runs the continuous-batching decode loop for the requests the main thread
// submits, posting each step's tokens back in one message. A stop waits for the ONNX Runtime call under way.
import { parentPort, workerData } from 'node:worker_threads';
import { loadDecoderPair, releaseDecoderPair, type DecoderPair } from './decoder-pair.ts';
import { DecodeLoop } from './decode-loop.ts';
import { SpeculativeDecoder } from './speculative-step.ts';
import { StepEventOutbox } from './step-event-outbox.ts';
import { SLOT_CHUNK } from './slot-kv-cache.ts';
import { scorePromptIds } from './prompt-scoring.ts';
import type { FromWorkerMessage, InferenceWorkerData, ToWorkerMessage } from './worker-protocol.ts';

const data = workerData as InferenceWorkerData;
const port = parentPort!;
const post = (message: FromWorkerMessage) => port.postMessage(message);

let loop: DecodeLoop | null = null;
/** Steps' events go out several tokens to a message when steps are fast (step-event-outbox.ts). */
const outbox = new StepEventOutbox((events) => post({ type: 'events', events }));
let stopping = false;
/** Messages that arrive while the model loads wait here; the loop takes them once it exists. */
const early: ToWorkerMessage[] = [];
/** Prompt scorings under way: a stop waits for them, as for the decode step, before releasing the sessions. */
const scoring = new Set<Promise<void>>();

port.on('message', (message: ToWorkerMessage) => {
  if (message.type === 'stop') {
    stopping = true;
    // While loading, the load's end sees `stopping`; once loaded, the loop drains first.
    if (loop !== null) void stopAfter(loop);
  } else if (message.type === 'crash') {
    setImmediate(() => {
      throw new Error('inference worker: crash requested');
    });
  } else if (loop === null) early.push(message);
  else handle(loop, message);
});

let decoders: DecoderPair | null = null;
/** The draft model's exported decoder and one-token step decoder, with a draft (speculative-step.ts). */
let draftDecoders: DecoderPair | null = null;
try {
  // The many-tokens step decoder prefills long prompts a chunk at a time while a batch runs (chunked-prefill.ts);
  // a folder whose quantized many-tokens product disagrees with its exported decoder serves without it.
  decoders = await loadDecoderPair(data, { intraOpThreads: data.intraOpThreads, device: data.device }, { manyTokens: 'if-agrees' });
  if (data.draft) draftDecoders = await loadDraft(decoders);
} catch (error) {
  // Each file's reader names its file (decoder-pair.ts, the safetensors and config readers), so no prefix here.
  if (!stopping) post({ type: 'load-failed', message: (error as Error).message });
  process.exit(0);
}
if (decoders !== null) {
  const speculative = draftDecoders ? speculativeDecoder(decoders, draftDecoders) : null;
  loop = new DecodeLoop({ prefillSession: decoders.prefill, stepSession: decoders.step, stepManySession: decoders.stepMany, config: data.config, eosTokenId: data.eosTokenId, sampledVocabSize: data.sampledVocabSize, maxBatchSize: data.maxBatchSize, emit: (events) => outbox.add(events), ...(speculative ? { speculative } : {}) });
  if (stopping) await stopAfter(loop);
  else {
    for (const message of early.splice(0)) handle(loop, message);
    post({ type: 'ready' });
  }
}

function handle(decodeLoop: DecodeLoop, message: ToWorkerMessage): void {
  if (message.type === 'submit') decodeLoop.submit(message.requestId, message.request);
  else if (message.type === 'cancel') {
    decodeLoop.cancel(message.requestId);
    outbox.forget(message.requestId);
  }
  else if (message.type === 'score') score(message);
}

function score(message: Extract<ToWorkerMessage, { type: 'score' }>): void {
  const options = { topLogprobs: message.topLogprobs, sampledVocabSize: data.sampledVocabSize, eosTokenId: data.eosTokenId };
  const done: Promise<void> = scorePromptIds(decoders!.prefill, data.config, message.tokens, options)
    .then(
      (scores) => post({ type: 'scored', requestId: message.requestId, scores }),
      (error: Error) => post({ type: 'scored', requestId: message.requestId, error: `prompt scoring failed: ${error.message}` }),
    )
    .finally(() => scoring.delete(done));
  scoring.add(done);
}

/** Cancels every request, waits for the step under way, releases both sessions and ends the thread. */
async function stopAfter(decodeLoop: DecodeLoop): Promise<void> {
  decodeLoop.cancelAll();
  await decodeLoop.idle();
  await Promise.all(scoring);
  if (decoders !== null) await releaseDecoderPair(decoders);
  if (draftDecoders !== null) await releaseDecoderPair(draftDecoders);
  outbox.flush();
  process.exit(0);
}

/** Loads the draft model (releasing the target's sessions if it fails, so the load failure is all that is left). */
async function loadDraft(target: DecoderPair): Promise<DecoderPair> {
  const draft = data.draft!;
  try {
    if (target.stepMany === null) {
      throw new Error(`speculative decoding verifies with the many-tokens step decoder, and at ${data.precision} its logits disagree with ${data.decoderPath} past the load probe's tolerance; serve without a draft model at this precision, or serve float32`);
    }
    return await loadDecoderPair(draft, { intraOpThreads: data.intraOpThreads, device: data.device });
  } catch (error) {
    await releaseDecoderPair(target);
    decoders = null;
    throw new Error(`draft model: ${(error as Error).message}`);
  }
}

/** The speculative decoder, whose counts go to the main thread at most every 250 ms (for /metrics and the studio). */
function speculativeDecoder(target: DecoderPair, draft: DecoderPair): SpeculativeDecoder {
  let posted = 0;
  setInterval(() => {
    if (decoder.stats.steps === posted) return;
    posted = decoder.stats.steps;
    post({ type: 'speculation', stats: { ...decoder.stats } });
  }, 250).unref();
  const decoder = new SpeculativeDecoder({
    draft: { prefill: draft.prefill, step: draft.step, config: data.draft!.config },
    targetVerify: target.stepMany!,
    targetStep: target.step,
    targetConfig: data.config,
    proposals: data.draft!.proposals,
    maxBatchSize: data.maxBatchSize,
    eosTokenId: data.eosTokenId,
    sampledVocabSize: data.sampledVocabSize,
    slotChunk: SLOT_CHUNK,
  });
  return decoder;
}

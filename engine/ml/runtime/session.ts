// Loads ONNX model bytes into an onnxruntime-node InferenceSession and runs it with host tensors.
// The ML core's one door to ORT: sessions get their options from session-options.ts; feeds and fetches convert here.

import type * as Ort from 'onnxruntime-node';
import { ort } from './load-ort.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { fromOrtTensor, toOrtTensor } from './ort-tensor.ts';
import { ortSessionOptions, type SessionOptions } from './session-options.ts';
import { missingCudaLibrary } from './provider-probe.ts';

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; `fetches` limits which outputs are computed and returned (all when omitted). */
  run(feeds: Readonly<Record<string, HostTensor>>, fetches?: readonly string[]): Promise<Record<string, HostTensor>>;
  /**
   * Runs the model writing each output named in `into` straight into that tensor's buffer, and returns only the
   * outputs named in `fetches`, in fresh buffers. A buffer may also be a feed of the same run only when every node
   * that reads the feed runs before the node that writes the output (train/step/in-place-writes.ts proves it).
   */
  runInto(feeds: Readonly<Record<string, HostTensor>>, into: Readonly<Record<string, HostTensor>>, fetches: readonly string[]): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

export async function createModelSession(modelBytes: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  if (options.device === 'cuda') {
    const missing = missingCudaLibrary();
    if (missing !== undefined) {
      throw new Error(`model session: device "cuda" needs ${missing}, which is missing; reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12, or run on device "cpu"`);
    }
  }
  const session = await ort().InferenceSession.create(modelBytes, ortSessionOptions(options));
  const toOrtFeeds = (feeds: Readonly<Record<string, HostTensor>>): Record<string, Ort.Tensor> => {
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(tensor, `feed "${name}"`);
    return ortFeeds;
  };
  const toHostResults = (results: Record<string, Ort.Tensor>, names: readonly string[]): Record<string, HostTensor> => {
    const hostResults: Record<string, HostTensor> = {};
    for (const name of names) {
      const tensor = results[name];
      if (tensor === undefined) throw new Error(`model session: output "${name}" is missing from the results`);
      hostResults[name] = fromOrtTensor(tensor, `output "${name}"`);
    }
    return hostResults;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetches) {
      const results = fetches === undefined ? await session.run(toOrtFeeds(feeds)) : await session.run(toOrtFeeds(feeds), [...fetches]);
      return toHostResults(results, Object.keys(results));
    },
    async runInto(feeds, into, fetches) {
      const ortFetches: Record<string, Ort.Tensor | null> = {};
      for (const [name, tensor] of Object.entries(into)) ortFetches[name] = toOrtTensor(tensor, `output "${name}"`);
      for (const name of fetches) ortFetches[name] = null;
      return toHostResults(await session.run(toOrtFeeds(feeds), ortFetches), fetches);
    },
    release: () => session.release(),
  };
}

// Loads ONNX model bytes into an onnxruntime-node InferenceSession and runs it with host tensors.
// The ML core's one door to ORT: the CPU provider, thread counts and feed/fetch conversion live here.

import ort from 'onnxruntime-node';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { fromOrtTensor, toOrtTensor } from './ort-tensor.ts';

export interface SessionOptions {
  intraOpThreads?: number;
  /** ORT's graph optimization level; 'all' is the default. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; `fetches` limits which outputs are computed and returned (all when omitted). */
  run(feeds: Readonly<Record<string, HostTensor>>, fetches?: readonly string[]): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

export async function createModelSession(modelBytes: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'all',
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
  });
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(tensor, `feed "${name}"`);
      const results = fetches === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, [...fetches]);
      const hostResults: Record<string, HostTensor> = {};
      for (const [name, tensor] of Object.entries(results)) hostResults[name] = fromOrtTensor(tensor, `output "${name}"`);
      return hostResults;
    },
    release: () => session.release(),
  };
}

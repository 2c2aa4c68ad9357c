// Runs the exported KV-cache decoder for one sequence: feeds new ids with positions and the cache, keeps the
// returned present tensors as the next past. Generation (evaluate samples) and the export parity tests use it.

import type { ModelConfig } from '../model-config.ts';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { decoderNames } from './kv-decoder.ts';
import { kvCacheShape } from './kv-cache-shape.ts';

export class DecoderSession {
  private pastKeys: HostTensor[] = [];
  private pastValues: HostTensor[] = [];

  private constructor(
    readonly config: ModelConfig,
    private readonly session: ModelSession,
  ) {
    this.reset();
  }

  static async create(config: ModelConfig, modelBytes: Uint8Array, intraOpThreads = 1, device: ComputeDevice = 'cpu'): Promise<DecoderSession> {
    return new DecoderSession(config, await createModelSession(modelBytes, { intraOpThreads, device }));
  }

  /** Tokens already in the cache. */
  get cachedLength(): number {
    return this.pastKeys[0]?.shape[2] ?? 0;
  }

  /** Forgets the cache; the next call starts a new sequence at position 0. */
  reset(): void {
    const { nKvHead, headDim } = kvCacheShape(this.config);
    const empty = (): HostTensor => ({ dtype: 'float32', shape: [1, nKvHead, 0, headDim], data: new Float32Array(0) });
    this.pastKeys = Array.from({ length: this.config.nLayer }, empty);
    this.pastValues = Array.from({ length: this.config.nLayer }, empty);
  }

  /** Appends `ids` to the sequence and returns their logits, (S, V) row-major. */
  async append(ids: readonly number[]): Promise<Float32Array> {
    const past = this.cachedLength;
    if (past + ids.length > this.config.blockSize) {
      throw new Error(`decoder: ${past} cached + ${ids.length} new tokens exceed blockSize ${this.config.blockSize}; reset and feed a shorter context`);
    }
    const int64 = (values: readonly number[]): HostTensor => ({ dtype: 'int64', shape: [1, values.length], data: BigInt64Array.from(values, BigInt) });
    const feeds: Record<string, HostTensor> = {
      [decoderNames.inputIds]: int64(ids),
      [decoderNames.positionIds]: int64(ids.map((_, index) => past + index)),
      [decoderNames.attentionMask]: int64(new Array<number>(past + ids.length).fill(1)),
    };
    for (let layer = 0; layer < this.config.nLayer; layer++) {
      feeds[decoderNames.pastKey(layer)] = this.pastKeys[layer] as HostTensor;
      feeds[decoderNames.pastValue(layer)] = this.pastValues[layer] as HostTensor;
    }
    const results = await this.session.run(feeds);
    for (let layer = 0; layer < this.config.nLayer; layer++) {
      this.pastKeys[layer] = results[decoderNames.presentKey(layer)] as HostTensor;
      this.pastValues[layer] = results[decoderNames.presentValue(layer)] as HostTensor;
    }
    return (results[decoderNames.logits] as HostTensor).data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

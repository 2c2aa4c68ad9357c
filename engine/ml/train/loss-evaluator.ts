// Mean cross-entropy of a model on given batches, from a forward-only session (no backward, no dropout) whose
// parameters are fed per run, so the trainer can score its current weights without copying them into a model.

import type { Gpt2Config } from '../gpt2/config.ts';
import { addGpt2Inputs, buildGpt2Forward } from '../gpt2/forward.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { TrainBatch } from './step/train-batch.ts';
import { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { meanCrossEntropy } from './step/training-loss.ts';
import type { BatchShape } from './token-windows.ts';

export class LossEvaluator {
  private constructor(private readonly session: ModelSession) {}

  static async create(config: Gpt2Config, shape: BatchShape, intraOpThreads: number, device: ComputeDevice = 'cpu'): Promise<LossEvaluator> {
    const graph = new Graph({ name: 'gpt2-eval-loss' });
    const inputs = addGpt2Inputs(graph, { ...config, dropout: 0 }, { batch: shape.batch, time: shape.time, dtype: 'float32', withTargets: true, training: false });
    const { flatLogits } = buildGpt2Forward(config, inputs);
    graph.output(meanCrossEntropy(flatLogits, inputs.targets as Value), 'loss');
    return new LossEvaluator(await createModelSession(graph.toBytes(), { intraOpThreads, device }));
  }

  /** The mean loss of one batch (each batch holds the same number of tokens). */
  async batchLoss(parameters: ParameterSet, batch: TrainBatch): Promise<number> {
    const feeds: Record<string, HostTensor> = { ...Object.fromEntries(parameters), tokens: batch.tokens, targets: batch.targets };
    const results = await this.session.run(feeds, ['loss']);
    return numbersOf(results.loss as HostTensor)[0] as number;
  }

  /** The mean over batches, read one at a time so only one batch is in memory. */
  async meanLoss(parameters: ParameterSet, batches: Iterable<TrainBatch>): Promise<number> {
    let total = 0;
    let count = 0;
    for (const batch of batches) {
      total += await this.batchLoss(parameters, batch);
      count++;
    }
    if (count === 0) throw new Error('loss evaluator: no batches to evaluate');
    return total / count;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

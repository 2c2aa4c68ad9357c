// Mean cross-entropy of a model on given batches, from a forward-only session (no backward, no dropout) whose
// parameters are fed per run, so the trainer can score its current weights without copying them into a model.
// With loss weights (a chat corpus's mask) it is the mean over the trained targets only, as the training step's.

import type { ModelConfig } from '../model-config.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { TrainBatch } from './step/train-batch.ts';
import { Graph } from '../graph/graph.ts';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { familyFor } from './model-families.ts';
import type { ModelFamily } from './step/model-family.ts';
import { batchFeeds } from './step/train-batch.ts';
import { addLossWeightsInput, meanCrossEntropy, weightedCrossEntropy } from './step/training-loss.ts';
import * as op from '../graph/ops/index.ts';
import type { BatchShape } from './token-windows.ts';

export interface LossEvaluatorOptions {
  /** Weigh each target by the batch's `lossWeights`; the mean is then over the weights (loss-mask corpora). */
  weighted?: boolean;
}

export class LossEvaluator {
  private constructor(
    private readonly session: ModelSession,
    private readonly weighted: boolean,
  ) {}

  /** A model of this config (GPT-2 or Llama). */
  static create(config: ModelConfig, shape: BatchShape, intraOpThreads: number, device: ComputeDevice = 'cpu', options: LossEvaluatorOptions = {}): Promise<LossEvaluator> {
    return LossEvaluator.forFamily(familyFor(config), shape, intraOpThreads, device, options);
  }

  /** Any model family (a GPT-2 with LoRA adapters, for one): its forward without dropout masks, then the loss. */
  static async forFamily(family: ModelFamily, shape: BatchShape, intraOpThreads: number, device: ComputeDevice = 'cpu', options: LossEvaluatorOptions = {}): Promise<LossEvaluator> {
    const graph = new Graph({ name: `${family.name}-eval-loss` });
    const parameters = new Map(family.parameters.map((spec) => [spec.name, graph.input(spec.name, 'float32', spec.shape)]));
    const tokens = graph.input('tokens', 'int64', [shape.batch, shape.time]);
    const targets = graph.input('targets', 'int64', [shape.batch, shape.time]);
    const { flatLogits } = family.forward({ tokens, parameters, dropoutMasks: new Map() });
    const weighted = options.weighted === true;
    if (weighted) {
      const weights = addLossWeightsInput(graph, flatLogits, targets);
      graph.output(weightedCrossEntropy(flatLogits, targets, weights), 'loss');
      graph.output(op.reduceSum(weights, undefined, { keepDims: false }), 'weight');
    } else {
      graph.output(meanCrossEntropy(flatLogits, targets), 'loss');
    }
    // Lean: the evaluator runs every evalInterval steps and would otherwise keep a forward pass's arena all run long.
    return new LossEvaluator(await createModelSession(graph.toBytes(), { intraOpThreads, device, memory: 'lean' }), weighted);
  }

  /** The loss of one batch: its mean over every target, or over the weights for a weighted evaluator. */
  async batchLoss(parameters: ParameterSet, batch: TrainBatch): Promise<number> {
    return (await this.run(parameters, batch)).loss;
  }

  /**
   * The mean over batches, read one at a time so only one batch is in memory: of the batch means (each batch holds
   * the same number of tokens), or for a weighted evaluator sum(w · nll) / sum(w) over all of them.
   */
  async meanLoss(parameters: ParameterSet, batches: Iterable<TrainBatch>): Promise<number> {
    let total = 0;
    let count = 0;
    for (const batch of batches) {
      const { loss, weight } = await this.run(parameters, batch);
      total += loss * weight;
      count += weight;
    }
    if (count === 0) throw new Error(this.weighted ? 'loss evaluator: the batches hold no trained target (their loss mask is all zeros); add data with assistant turns or raise evalBatches' : 'loss evaluator: no batches to evaluate');
    return total / count;
  }

  private async run(parameters: ParameterSet, batch: TrainBatch): Promise<{ loss: number; weight: number }> {
    const feeds: Record<string, HostTensor> = { ...Object.fromEntries(parameters), ...batchFeeds(batch, { distills: false, weighted: this.weighted }) };
    const results = await this.session.run(feeds, this.weighted ? ['loss', 'weight'] : ['loss']);
    const loss = numbersOf(results.loss as HostTensor)[0] as number;
    return { loss, weight: this.weighted ? (numbersOf(results.weight as HostTensor)[0] as number) : 1 };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

// The teacher's side of distillation: a forward-only session of the teacher model that turns a batch of tokens into
// log_softmax(logits / T) rows, the soft targets the student's step graph takes. No gradient is ever built for it.

import type { Gpt2Config } from '../gpt2/config.ts';
import { addGpt2Inputs, buildGpt2Forward } from '../gpt2/forward.ts';
import type { ParameterSet } from '../gpt2/parameters.ts';
import type { TrainBatch } from '../train/step/train-batch.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import type { BatchShape } from '../train/token-windows.ts';

const OUTPUT = 'teacher.logProbs';

export class TeacherLogProbs {
  private constructor(
    private readonly session: ModelSession,
    private readonly parameters: ParameterSet,
  ) {}

  static async create(config: Gpt2Config, parameters: ParameterSet, shape: BatchShape, temperature: number, intraOpThreads: number, device: ComputeDevice = 'cpu'): Promise<TeacherLogProbs> {
    if (shape.time > config.blockSize) {
      throw new Error(`distill: the student's blockSize (${shape.time}) is longer than the teacher's context (${config.blockSize}); set the student's blockSize to ${config.blockSize} or less`);
    }
    const graph = new Graph({ name: 'gpt2-teacher-log-probs' });
    const inputs = addGpt2Inputs(graph, { ...config, dropout: 0 }, { batch: shape.batch, time: shape.time, dtype: 'float32', withTargets: false, training: false });
    const { flatLogits } = buildGpt2Forward(config, inputs);
    graph.output(op.logSoftmax(op.mul(flatLogits, op.scalarLike(flatLogits, 1 / temperature)), -1), OUTPUT);
    return new TeacherLogProbs(await createModelSession(graph.toBytes(), { intraOpThreads, device }), parameters);
  }

  /** (B*T, V) log-probabilities for the batch's tokens. */
  async of(tokens: HostTensor): Promise<HostTensor> {
    const results = await this.session.run({ ...Object.fromEntries(this.parameters), tokens }, [OUTPUT]);
    const logProbs = results[OUTPUT];
    if (logProbs === undefined) throw new Error('distill: the teacher session returned no log-probabilities');
    return logProbs;
  }

  /** The batch with the teacher's soft targets attached. */
  async attach(batch: TrainBatch): Promise<TrainBatch> {
    return { ...batch, teacherLogProbs: await this.of(batch.tokens) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

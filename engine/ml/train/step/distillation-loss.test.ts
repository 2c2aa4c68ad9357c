// The distillation objective: its value against a plain-JS reference, a zero KL when student and teacher agree,
// and its gradient with respect to the student's logits against central finite differences in float64.

import { describe, expect, it } from 'vitest';
import { itMatchesFiniteDifferences, randomDim, randomFloat64, randomInt64 } from '../../autodiff/testing/gradient-check-support.ts';
import type { GradientCheckCase } from '../../autodiff/gradient-check.ts';
import { Graph } from '../../graph/graph.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import { createModelSession } from '../../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../../tensor/host-tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import { distillationLoss, type DistillationObjective } from './distillation-loss.ts';

/** Inputs: student logits (N, V), raw teacher logits (N, V) and targets (N); the teacher's log-softmax is built in. */
function lossCase(name: string, objective: DistillationObjective, part: 'loss' | 'kd'): GradientCheckCase {
  return {
    name,
    inputs: (random) => {
      const rows = randomDim(random, 1, 5);
      const vocab = randomDim(random, 2, 6);
      return [randomFloat64(random, [rows, vocab]), randomFloat64(random, [rows, vocab]), randomInt64(random, [rows], vocab)];
    },
    build: (_graph, [student, teacher, targets]) => {
      const teacherLogProbs = op.logSoftmax(op.mul(teacher as Value, op.scalarLike(teacher as Value, 1 / objective.temperature)), -1);
      const parts = distillationLoss(student as Value, teacherLogProbs, op.softmaxCrossEntropyLoss(student as Value, targets as Value), objective);
      return op.reshape(parts[part], [1]);
    },
    wrt: [0],
  };
}

describe('the distillation loss gradient matches finite differences', () => {
  itMatchesFiniteDifferences([
    lossCase('KD term at T = 1', { temperature: 1, alpha: 1 }, 'kd'),
    lossCase('KD term at T = 2', { temperature: 2, alpha: 1 }, 'kd'),
    lossCase('KD term at T = 3.5', { temperature: 3.5, alpha: 1 }, 'kd'),
    lossCase('alpha 0.3 · KD + 0.7 · CE at T = 2', { temperature: 2, alpha: 0.3 }, 'loss'),
  ]);
});

function logSoftmaxRow(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const logSum = Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0)) + max;
  return row.map((value) => value - logSum);
}

/** The objective written out with plain loops, for rows of logits. */
function referenceLoss(student: number[][], teacher: number[][], targets: number[], { temperature: T, alpha }: DistillationObjective) {
  let kl = 0;
  let ce = 0;
  student.forEach((row, index) => {
    const q = logSoftmaxRow(row.map((value) => value / T));
    const p = logSoftmaxRow((teacher[index] as number[]).map((value) => value / T));
    kl += p.reduce((sum, logP, v) => sum + Math.exp(logP) * (logP - (q[v] as number)), 0);
    ce -= logSoftmaxRow(row)[targets[index] as number] as number;
  });
  const kd = (T * T * kl) / student.length;
  ce /= student.length;
  return { kd, ce, loss: alpha * kd + (1 - alpha) * ce };
}

async function graphLoss(student: number[][], teacher: number[][], targets: number[], objective: DistillationObjective) {
  const graph = new Graph({ name: 'kd-value' });
  const [rows, vocab] = [student.length, (student[0] as number[]).length];
  const studentInput = graph.input('student', 'float64', [rows, vocab]);
  const teacherInput = graph.input('teacher', 'float64', [rows, vocab]);
  const targetInput = graph.input('targets', 'int64', [rows]);
  const teacherLogProbs = op.logSoftmax(op.mul(teacherInput, op.scalarLike(teacherInput, 1 / objective.temperature)), -1);
  const parts = distillationLoss(studentInput, teacherLogProbs, op.softmaxCrossEntropyLoss(studentInput, targetInput), objective);
  for (const name of ['loss', 'kd', 'ce'] as const) graph.output(parts[name], name);
  const session = await createModelSession(graph.toBytes());
  try {
    const results = await session.run({
      student: hostTensor('float64', [rows, vocab], student.flat()),
      teacher: hostTensor('float64', [rows, vocab], teacher.flat()),
      targets: hostTensor('int64', [rows], targets),
    });
    const scalar = (name: string) => numbersOf(results[name] as HostTensor)[0] as number;
    return { loss: scalar('loss'), kd: scalar('kd'), ce: scalar('ce') };
  } finally {
    await session.release();
  }
}

describe('distillationLoss', () => {
  const random = createRandom(7);
  const matrix = (rows: number, columns: number) => Array.from({ length: rows }, () => Array.from({ length: columns }, () => 2 * random.normal()));

  it('equals the written-out objective for several temperatures and weights', async () => {
    for (const objective of [{ temperature: 1, alpha: 0.5 }, { temperature: 2, alpha: 0.5 }, { temperature: 4, alpha: 0.9 }]) {
      const student = matrix(6, 9);
      const teacher = matrix(6, 9);
      const targets = Array.from({ length: 6 }, () => random.int(9));
      const actual = await graphLoss(student, teacher, targets, objective);
      const expected = referenceLoss(student, teacher, targets, objective);
      for (const part of ['loss', 'kd', 'ce'] as const) expect(actual[part]).toBeCloseTo(expected[part], 10);
    }
  });

  it('has a zero KL term when the student already matches the teacher', async () => {
    const logits = matrix(4, 5);
    const { kd, ce, loss } = await graphLoss(logits, logits, [0, 1, 2, 3], { temperature: 2, alpha: 0.25 });
    expect(Math.abs(kd)).toBeLessThan(1e-12);
    expect(loss).toBeCloseTo(0.75 * ce, 12);
  });

  it('refuses a temperature that is not positive and an alpha outside [0, 1]', () => {
    const graph = new Graph({ name: 'kd-bad' });
    const logits = graph.input('s', 'float64', [2, 3]);
    const targets = graph.input('t', 'int64', [2]);
    const ce = op.softmaxCrossEntropyLoss(logits, targets);
    expect(() => distillationLoss(logits, logits, ce, { temperature: 0, alpha: 0.5 })).toThrow(/temperature \(0\) must be positive/);
    expect(() => distillationLoss(logits, logits, ce, { temperature: 2, alpha: 1.5 })).toThrow(/alpha \(1.5\) must be within/);
  });
});

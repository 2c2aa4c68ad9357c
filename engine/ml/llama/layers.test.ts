// Each Llama building block run through ONNX Runtime (float64) against the formula written out in plain loops, as
// Hugging Face's modeling_llama states it.

import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import {
  applyRotary, groupedCausalAttention, groupedCausalMaskBias, repeatKvHeads, rmsNorm, rotaryInverseFrequencies,
  rotaryTablesForLength, rotaryTablesFromPositions, swiGluMlp,
} from './layers.ts';

const random = createRandom(14);
const values = (count: number): number[] => Array.from({ length: count }, () => random.normal());

async function run(build: (graph: Graph) => Value, feeds: Record<string, HostTensor>): Promise<number[]> {
  const graph = new Graph({ name: 'llama-layer' });
  graph.output(build(graph), 'y');
  const session = await createModelSession(graph.toBytes());
  return numbersOf((await session.run(feeds)).y as HostTensor);
}

function expectClose(actual: number[], expected: number[], tolerance = 1e-10): void {
  expect(actual).toHaveLength(expected.length);
  expect(Math.max(...actual.map((value, index) => Math.abs(value - (expected[index] as number))))).toBeLessThanOrEqual(tolerance);
}

/** HF apply_rotary_pos_emb for one (T, D) head at positions p: x·cos + rotate_half(x)·sin. */
function referenceRotary(x: number[], positions: number[], headDim: number, theta: number): number[] {
  const inverse = rotaryInverseFrequencies(headDim, theta);
  const half = headDim / 2;
  return x.map((value, index) => {
    const [t, d] = [Math.floor(index / headDim), index % headDim];
    const angle = Math.fround((positions[t] as number) * (inverse[d % half] as number));
    const rotated = d < half ? -(x[t * headDim + d + half] as number) : (x[t * headDim + d - half] as number);
    return value * Math.cos(angle) + rotated * Math.sin(angle);
  });
}

describe('Llama layers', () => {
  it('rmsNorm divides each row by its root mean square and scales by the weight', async () => {
    const [x, w] = [values(3 * 4), values(4)];
    const actual = await run((graph) => rmsNorm(graph.input('x', 'float64', [3, 4]), graph.input('w', 'float64', [4]), 1e-5), {
      x: hostTensor('float64', [3, 4], x), w: hostTensor('float64', [4], w),
    });
    const expected = x.map((value, index) => {
      const row = x.slice(Math.floor(index / 4) * 4, Math.floor(index / 4) * 4 + 4);
      return (value / Math.sqrt(row.reduce((sum, v) => sum + v * v, 0) / 4 + 1e-5)) * (w[index % 4] as number);
    });
    expectClose(actual, expected);
  });

  it('swiGluMlp is down(silu(gate x) · up x) over [out, in] weights', async () => {
    const [C, F] = [3, 5];
    const [x, gate, up, down] = [values(2 * C), values(F * C), values(F * C), values(C * F)];
    const actual = await run((graph) => swiGluMlp(graph.input('x', 'float64', [2, C]), {
      gate: graph.input('gate', 'float64', [F, C]), up: graph.input('up', 'float64', [F, C]), down: graph.input('down', 'float64', [C, F]),
    }), { x: hostTensor('float64', [2, C], x), gate: hostTensor('float64', [F, C], gate), up: hostTensor('float64', [F, C], up), down: hostTensor('float64', [C, F], down) });
    const dot = (w: number[], row: number, input: number[], width: number) => input.reduce((sum, v, i) => sum + v * (w[row * width + i] as number), 0);
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      const xr = x.slice(r * C, r * C + C);
      const hidden = Array.from({ length: F }, (_, f) => {
        const g = dot(gate, f, xr, C);
        return (g / (1 + Math.exp(-g))) * dot(up, f, xr, C);
      });
      for (let c = 0; c < C; c++) expected.push(dot(down, c, hidden, F));
    }
    expectClose(actual, expected);
  });

  it("rotary tables, constant or from position ids, rotate as HF's rotate_half does", async () => {
    const [T, D, theta] = [5, 6, 10000];
    const x = values(T * D);
    const constant = await run((graph) => applyRotary(graph.input('x', 'float64', [1, 1, T, D]), rotaryTablesForLength(graph, T, D, theta, 'float64')), {
      x: hostTensor('float64', [1, 1, T, D], x),
    });
    expectClose(constant, referenceRotary(x, [0, 1, 2, 3, 4], D, theta));
    const positions = [7, 3, 0, 11, 2];
    const fromIds = await run((graph) => applyRotary(graph.input('x', 'float64', [1, 1, T, D]), rotaryTablesFromPositions(graph.input('p', 'int64', [1, T]), D, theta, 'float64')), {
      x: hostTensor('float64', [1, 1, T, D], x), p: hostTensor('int64', [1, T], positions),
    });
    // Angles are float32 in both; cos/sin of them in float32 (graph) vs float64 (reference) differ below 1e-6.
    expectClose(fromIds, referenceRotary(x, positions, D, theta), 1e-6);
  });

  it('repeatKvHeads repeats each key/value head for its group (HF repeat_kv order)', async () => {
    const x = values(1 * 2 * 3 * 2);
    const actual = await run((graph) => repeatKvHeads(graph.input('x', 'float64', [1, 2, 3, 2]), 3), { x: hostTensor('float64', [1, 2, 3, 2], x) });
    const expected = [0, 0, 0, 1, 1, 1].flatMap((head) => x.slice(head * 6, head * 6 + 6));
    expectClose(actual, expected, 0);
  });

  it('grouped causal attention equals attention over repeated key/value heads', async () => {
    const [B, K, groups, T, D] = [2, 2, 3, 4, 2];
    const H = K * groups;
    const [q, k, v] = [values(B * H * T * D), values(B * K * T * D), values(B * K * T * D)];
    const feeds = { q: hostTensor('float64', [B, H, T, D], q), k: hostTensor('float64', [B, K, T, D], k), v: hostTensor('float64', [B, K, T, D], v) };
    const inputs = (graph: Graph) => ['q', 'k', 'v'].map((name) => graph.input(name, 'float64', name === 'q' ? [B, H, T, D] : [B, K, T, D])) as [Value, Value, Value];
    const grouped = await run((graph) => {
      const [qv, kv, vv] = inputs(graph);
      return groupedCausalAttention(qv, kv, vv, { groups, maskBias: groupedCausalMaskBias(graph, T, groups, 'float64') });
    }, feeds);
    const repeated = await run((graph) => {
      const [qv, kv, vv] = inputs(graph);
      const mask = groupedCausalMaskBias(graph, T, 1, 'float64');
      const scores = op.add(op.fusedMatMul(qv, repeatKvHeads(kv, groups), { transB: true, alpha: 1 / Math.sqrt(D) }), mask);
      return op.matMul(op.softmax(scores, -1), repeatKvHeads(vv, groups));
    }, feeds);
    expectClose(grouped, repeated, 1e-12);
    // The first query of every head sees only the first key: its output is that head's first value row.
    const firstOutput = grouped.slice(0, D);
    expectClose(firstOutput, v.slice(0, D), 1e-12);
  });
});

import { describe, expect, it } from 'vitest';
import type { NodeRunView } from './run-view.ts';
import { nodesInRunOrder } from './node-order.ts';

const at = (second: number) => `2026-12-07T10:00:${String(second).padStart(2, '0')}.000Z`;
const node = (fields: Partial<NodeRunView>): NodeRunView => ({ state: 'pending', ...fields }) as NodeRunView;

describe('nodesInRunOrder', () => {
  it('lists nodes in the order they ran, then the ones not reached yet in pipeline order', () => {
    const run = {
      nodes: {
        eval: node({ state: 'pending' }),
        api: node({ state: 'pending' }),
        train: node({ state: 'running', startedAt: at(30) }),
        data: node({ state: 'succeeded', startedAt: at(1), finishedAt: at(5) }),
        tok: node({ state: 'succeeded', startedAt: at(6), finishedAt: at(9) }),
      },
    };
    expect(nodesInRunOrder(run, ['data', 'tok', 'train', 'api', 'eval'])).toEqual(['data', 'tok', 'train', 'api', 'eval']);
  });

  it('places a cached node by when it settled, and breaks ties by pipeline order', () => {
    const run = {
      nodes: {
        train: node({ state: 'running', startedAt: at(8) }),
        tok: node({ state: 'cached', finishedAt: at(2) }),
        data: node({ state: 'cached', finishedAt: at(2) }),
      },
    };
    expect(nodesInRunOrder(run, ['data', 'tok', 'train'])).toEqual(['data', 'tok', 'train']);
  });

  it("falls back to the run's own order for nodes the document does not have", () => {
    const run = { nodes: { b: node({}), a: node({}), c: node({}) } };
    expect(nodesInRunOrder(run, ['c'])).toEqual(['c', 'b', 'a']);
  });
});

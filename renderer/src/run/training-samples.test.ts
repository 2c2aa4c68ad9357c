// The Samples tab's data: a run's sample log lines by node, in step order, other lines ignored.
import { describe, expect, it } from 'vitest';
import { sampleLogLine } from '../../../app/run/training-sample.ts';
import type { RunView } from './run-view.ts';
import { samplesByNode } from './training-samples.ts';

const at = '2026-03-01T12:00:00.000Z';
const line = (text: string) => ({ level: 'info' as const, line: text, at });

describe('samplesByNode', () => {
  it("reads each node's samples from its log lines, in step order", () => {
    const run: RunView = {
      runId: 'r', pipelineName: 'p', targets: [], status: 'running', startedAt: at, nodes: {}, series: {},
      logs: {
        train: [line('step 10/20 · loss 2.1'), line(sampleLogLine({ step: 20, prompt: 'A', text: 'bc' })), line(sampleLogLine({ step: 10, prompt: 'A', text: 'b\n"c"' }))],
        tok: [line('trained a char tokenizer')],
      },
    };
    expect(samplesByNode(run)).toEqual({ train: [{ step: 10, prompt: 'A', text: 'b\n"c"' }, { step: 20, prompt: 'A', text: 'bc' }] });
  });
});

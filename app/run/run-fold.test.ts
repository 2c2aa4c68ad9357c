// The run-event fold: states, progress and metrics per node, what a restart and a success clear, run.finished as the
// last word, and events that belong elsewhere.
import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventOf } from '../protocol/run-events.ts';
import { foldRunEvent, runStateOf, type RunState } from './run-fold.ts';

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
const runId = 'r1';
const started: RunEventOf<'run.started'> = { type: 'run.started', runId, at: at(0), pipelineName: 'p', targets: ['train'], nodes: ['tok', 'train'] };

function fold(events: RunEvent[]): RunState {
  return events.reduce(foldRunEvent, runStateOf(started));
}

describe('foldRunEvent', () => {
  it('starts every node pending and the run running', () => {
    expect(runStateOf(started)).toEqual({
      runId,
      pipelineName: 'p',
      targets: ['train'],
      status: 'running',
      startedAt: at(0),
      nodes: { tok: { state: 'pending', cached: false, metrics: {}, artifacts: {} }, train: { state: 'pending', cached: false, metrics: {}, artifacts: {} } },
    });
  });

  it('tracks states with their reasons and times, and merges progress and metrics', () => {
    const run = fold([
      { type: 'node.state', runId, at: at(1), node: 'tok', state: 'cached', cached: true, reason: 'config and inputs unchanged' },
      { type: 'node.state', runId, at: at(2), node: 'train', state: 'running', cached: false, reason: 'no cached artifact' },
      { type: 'node.progress', runId, at: at(3), node: 'train', fraction: 0.25, etaMs: 9000, message: 'step 10', metrics: { loss: 3 } },
      { type: 'node.progress', runId, at: at(4), node: 'train', metrics: { valLoss: 2.5 } },
    ]);
    expect(run.nodes.tok).toMatchObject({ state: 'cached', cached: true, reason: 'config and inputs unchanged', finishedAt: at(1) });
    expect(run.nodes.train).toMatchObject({ state: 'running', reason: 'no cached artifact', fraction: 0.25, etaMs: 9000, message: 'step 10', metrics: { loss: 3, valLoss: 2.5 }, startedAt: at(2) });
    expect(run.nodes.train!.finishedAt).toBeUndefined();
  });

  it('clears a failed node’s error, duration, progress and metrics when it restarts', () => {
    const run = fold([
      { type: 'node.state', runId, at: at(1), node: 'train', state: 'running' },
      { type: 'node.progress', runId, at: at(2), node: 'train', fraction: 0.5, etaMs: 1000, metrics: { loss: 9 } },
      { type: 'node.state', runId, at: at(3), node: 'train', state: 'failed', error: { message: 'out of memory' }, durationMs: 2000 },
      { type: 'node.state', runId, at: at(4), node: 'train', state: 'running', reason: 'retry' },
    ]);
    expect(run.nodes.train).toEqual({ state: 'running', cached: false, reason: 'retry', metrics: {}, artifacts: {}, startedAt: at(4) });
  });

  it('clears an error when the node succeeds, and a success completes its progress', () => {
    const run = fold([
      { type: 'node.state', runId, at: at(1), node: 'train', state: 'failed', error: { message: 'boom' } },
      { type: 'node.state', runId, at: at(2), node: 'train', state: 'running' },
      { type: 'node.progress', runId, at: at(3), node: 'train', fraction: 0.9, etaMs: 100 },
      { type: 'node.state', runId, at: at(4), node: 'train', state: 'succeeded', durationMs: 2000 },
    ]);
    expect(run.nodes.train).toMatchObject({ state: 'succeeded', fraction: 1, durationMs: 2000, startedAt: at(2), finishedAt: at(4) });
    expect(run.nodes.train!.error).toBeUndefined();
    expect(run.nodes.train!.etaMs).toBeUndefined();
  });

  it('takes final states, errors, artifacts and metrics from run.finished, keeping the time a node settled', () => {
    const artifact = { key: 'k', port: 'model', type: 'Model', path: '/data/k', bytes: 10, createdAt: at(5) };
    const run = fold([
      { type: 'node.state', runId, at: at(1), node: 'tok', state: 'succeeded' },
      { type: 'node.state', runId, at: at(2), node: 'train', state: 'running' },
      { type: 'node.progress', runId, at: at(3), node: 'train', metrics: { lr: 0.1 } },
      {
        type: 'run.finished',
        runId,
        at: at(9),
        status: 'failed',
        nodes: {
          tok: { state: 'succeeded', cached: false, metrics: {}, artifacts: { model: artifact } },
          train: { state: 'failed', cached: false, metrics: { loss: 2 }, error: { message: 'out of memory' } },
        },
      },
    ]);
    expect(run).toMatchObject({ status: 'failed', finishedAt: at(9) });
    expect(run.nodes.tok).toMatchObject({ state: 'succeeded', artifacts: { model: artifact }, finishedAt: at(1) });
    expect(run.nodes.train).toMatchObject({ state: 'failed', error: { message: 'out of memory' }, metrics: { lr: 0.1, loss: 2 }, finishedAt: at(9) });
  });

  it('adds nodes it did not know, and keeps fields a reader added to the run', () => {
    const extended = { ...runStateOf(started), drawn: 3 };
    const run = foldRunEvent(extended, { type: 'node.state', runId, at: at(1), node: 'late', state: 'skipped', reason: 'upstream failed' });
    expect(run.drawn).toBe(3);
    expect(run.nodes.late).toMatchObject({ state: 'skipped', reason: 'upstream failed' });
  });

  it('leaves the run as it is for logs, services and events of another run', () => {
    const run = runStateOf(started);
    expect(foldRunEvent(run, { type: 'node.log', runId, at: at(1), node: 'train', level: 'info', line: 'hello' })).toBe(run);
    expect(foldRunEvent(run, { type: 'node.state', runId: 'other', at: at(1), node: 'train', state: 'running' })).toBe(run);
  });
});

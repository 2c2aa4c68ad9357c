// End to end through the Engine: dataset → tokenizer → pretrain (teacher) → distill → quantize → evaluate. The
// distill node reports KD and CE progress and the teacher-versus-student table; a foreign tokenizer node is refused.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { Engine } from '../engine.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-distill-pipeline-'));
let engine: Engine;
beforeAll(async () => {
  writeFileSync(path.join(workDir, 'excerpt.txt'), shakespeareExcerpt(30_000));
  engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
});
afterAll(async () => {
  await engine.close();
  rmSync(workDir, { recursive: true, force: true });
});

const node = (id: string, type: string, config: Record<string, unknown>, x: number) => ({ id, type, typeVersion: 1, config, ui: { position: { x, y: 0 } } });
const edge = (id: string, from: [string, string], to: [string, string]) => ({ id, from: { node: from[0], port: from[1] }, to: { node: to[0], port: to[1] } });
const schedule = { batchSize: 4, warmupSteps: 2, evalBatches: 2, learningRate: 1e-2, threads: 1, device: 'cpu' };

function pipelineWith(studentTokens: string, extraNodes: ReturnType<typeof node>[] = []) {
  return {
    format: 'crucible.pipeline',
    version: 1,
    name: 'tiny distillation',
    nodes: [
      node('data', 'dataset', { sources: [{ path: 'excerpt.txt' }], documentSplit: 'blank-lines', valFraction: 0.1 }, 0),
      node('tok', 'tokenizer', { kind: 'char', specialTokens: [] }, 200),
      ...extraNodes,
      node('teacher', 'pretrain', { ...schedule, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, maxSteps: 10, evalInterval: 10, checkpointInterval: 10 }, 400),
      node('student', 'distill', { ...schedule, nLayer: 1, nHead: 2, nEmbd: 16, maxSteps: 8, evalInterval: 4, checkpointInterval: 4, temperature: 2, alpha: 0.5 }, 600),
      node('int8', 'quantize', { scheme: 'int8' }, 800),
      node('eval', 'evaluate', { evalBatches: 2, batchSize: 4, samples: 0 }, 1000),
    ],
    edges: [
      edge('e1', ['data', 'corpus'], ['tok', 'corpus']),
      edge('e2', ['tok', 'tokens'], ['teacher', 'tokens']),
      edge('e3', ['teacher', 'model'], ['student', 'teacher']),
      edge('e4', [studentTokens, 'tokens'], ['student', 'tokens']),
      edge('e5', ['student', 'model'], ['int8', 'model']),
      edge('e6', ['int8', 'model'], ['eval', 'model']),
      edge('e7', ['tok', 'tokens'], ['eval', 'tokens']),
      ...(studentTokens === 'tok' ? [] : [edge('e8', ['data', 'corpus'], [studentTokens, 'corpus'])]),
    ],
  };
}

describe('distillation pipeline through the engine', () => {
  it('distils the teacher into a student, then quantizes and evaluates the student', async () => {
    const events: RunEvent[] = [];
    const unsubscribe = engine.bus.subscribe((event) => events.push(event as RunEvent));
    const { runId } = engine.startRun({ pipeline: pipelineWith('tok'), pipelinePath: path.join(workDir, 'pipeline.crucible.json') });
    const finished = await engine.finished(runId);
    unsubscribe();
    expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
    const studentFolder = finished?.nodes.student?.artifact as string;
    for (const file of [MODEL_FILES.config, MODEL_FILES.weights, MODEL_FILES.decoder, MODEL_FILES.tokenizer]) expect(existsSync(path.join(studentFolder, file)), file).toBe(true);
    const progress = events.filter((event): event is Extract<RunEvent, { type: 'node.progress' }> => event.type === 'node.progress' && event.node === 'student');
    expect(progress.at(-1)?.metrics).toMatchObject({ kdLoss: expect.any(Number), ceLoss: expect.any(Number), valLoss: expect.any(Number) });
    expect(progress.at(-1)?.message).toMatch(/\(kd \d+\.\d+ · ce \d+\.\d+\)/);
    const logs = events.filter((event) => event.type === 'node.log' && event.node === 'student').map((event) => (event as { line: string }).line);
    expect(logs.join('\n')).toMatch(/teacher +[\d,]+ +\d+\.\d{4} +\d+\.\d/);
    const metrics = finished?.nodes.student?.metrics ?? {};
    expect(metrics.teacherParameters).toBeGreaterThan(metrics.parameterCount as number);
    expect(metrics.teacherValLoss).toBeGreaterThan(0);
    expect(metrics.studentDecodeTokensPerSec).toBeGreaterThan(0);
    expect(finished?.nodes.eval?.state).toBe('succeeded');
    expect(readdirSync(path.join(workDir, 'data', 'checkpoints', 'distill')), 'checkpoints go once the student is written').toEqual([]);
  });

  it('refuses, before running, tokens from a different tokenizer node than the teacher was trained with', () => {
    const other = node('tok2', 'tokenizer', { kind: 'char', specialTokens: ['<|endoftext|>'] }, 200);
    const start = () => engine.startRun({ pipeline: pipelineWith('tok2', [other]), pipelinePath: path.join(workDir, 'pipeline.crucible.json'), targets: ['student'] });
    expect(start).toThrow(/node "student": port "tokens": "teacher" comes from tokenizer "tok" but "tokens" comes from tokenizer "tok2"; they must share the tokenizer/);
  });
});

// End to end through the Engine: dataset → tokenizer → pretrain (teacher) → distill → quantize → evaluate. The
// distill node reports KD and CE progress and the teacher-versus-student table; the student's and its quantized
// copy's model cards list the dataset source with its sha256; a foreign tokenizer node is refused.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { Engine } from '../engine.ts';
import { fixturePipeline, type FixturePipelineNode } from '../executor/testing/fixture-nodes.ts';
import { MODEL_FILES } from '../ml/export/model-folder.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-distill-pipeline-'));
const excerpt = shakespeareExcerpt(30_000);
let engine: Engine;
beforeAll(async () => {
  writeFileSync(path.join(workDir, 'excerpt.txt'), excerpt);
  engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
});
afterAll(async () => {
  await engine.close();
  rmSync(workDir, { recursive: true, force: true });
});

const schedule = { batchSize: 4, warmupSteps: 2, evalBatches: 2, learningRate: 1e-2, threads: 1, device: 'cpu' };

function pipelineWith(studentTokens: string, extraNodes: FixturePipelineNode[] = []) {
  return fixturePipeline(
    [
      { id: 'data', type: 'dataset', config: { sources: [{ path: 'excerpt.txt' }], documentSplit: 'blank-lines', valFraction: 0.1 } },
      { id: 'tok', type: 'tokenizer', config: { kind: 'char', specialTokens: [] } },
      ...extraNodes,
      { id: 'teacher', type: 'pretrain', config: { ...schedule, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, maxSteps: 10, evalInterval: 10, checkpointInterval: 10 } },
      { id: 'student', type: 'distill', config: { ...schedule, nLayer: 1, nHead: 2, nEmbd: 16, maxSteps: 8, evalInterval: 4, checkpointInterval: 4, temperature: 2, alpha: 0.5 } },
      { id: 'int8', type: 'quantize', config: { scheme: 'int8' } },
      { id: 'eval', type: 'evaluate', config: { evalBatches: 2, batchSize: 4, samples: 0 } },
    ],
    [
      'data.corpus->tok.corpus',
      'tok.tokens->teacher.tokens',
      'teacher.model->student.teacher',
      `${studentTokens}.tokens->student.tokens`,
      'student.model->int8.model',
      'int8.model->eval.model',
      'tok.tokens->eval.tokens',
      ...(studentTokens === 'tok' ? [] : [`data.corpus->${studentTokens}.corpus`]),
    ],
    'tiny distillation',
  );
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
    const sourceRow = `| excerpt.txt | \`${createHash('sha256').update(excerpt).digest('hex')}\` |`;
    for (const folder of [studentFolder, finished?.nodes.int8?.artifact as string]) expect(readFileSync(path.join(folder, 'README.md'), 'utf8')).toContain(sourceRow);
    expect(readdirSync(path.join(workDir, 'data', 'checkpoints', 'distill')), 'checkpoints go once the student is written').toEqual([]);
  });

  it('refuses, before running, tokens from a different tokenizer node than the teacher was trained with', () => {
    const other = { id: 'tok2', type: 'tokenizer', config: { kind: 'char', specialTokens: ['<|endoftext|>'] } };
    const start = () => engine.startRun({ pipeline: pipelineWith('tok2', [other]), pipelinePath: path.join(workDir, 'pipeline.crucible.json'), targets: ['student'] });
    expect(start).toThrow(/node "student": port "tokens": "teacher" comes from tokenizer "tok" but "tokens" comes from tokenizer "tok2"; they must share the tokenizer/);
  });
});

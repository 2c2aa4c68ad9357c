// The dataset node run end to end over the engine's ingest capability: the Corpus artifact's files, its meta and
// metrics, and a cancel mid-file.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS_FORMAT } from '../../app/artifacts/corpus-layout.ts';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import { datasetRun } from '../../nodes/dataset/run.ts';
import { datasetConfig } from '../../nodes/dataset/spec.ts';
import type { NodeCapabilities } from '../../nodes/capabilities.ts';
import type { DatasetConfig } from '../../nodes/capabilities/ingest.ts';
import { capabilitiesForTest } from '../../nodes/testing/capabilities.ts';
import { IngestHarness } from '../ingest/testing/ingest-harness.ts';
import { createIngestCapability } from './ingest-capability.ts';

const harness = new IngestHarness();
afterAll(() => harness.cleanup());

function contextFor(config: Record<string, unknown>, signal: AbortSignal, onProgress: (update: NodeProgress) => void = () => undefined): NodeRunContext<DatasetConfig, NodeCapabilities> {
  const outputDir = path.join(harness.root, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(outputDir, { recursive: true });
  return {
    runId: 'run-1',
    nodeId: 'data',
    config: datasetConfig.parse(config),
    input: () => {
      throw new Error('the dataset has no inputs');
    },
    inputs: () => [],
    outputDir: (port) => {
      expect(port).toBe('corpus');
      return outputDir;
    },
    pipelineDir: harness.root,
    dataDir: harness.dataDir,
    signal,
    progress: onProgress,
    log: () => undefined,
    capabilities: capabilitiesForTest({ ingest: createIngestCapability() }),
  };
}

describe('the dataset node over the ingest capability', () => {
  it('returns the corpus artifact with its stats as meta and metrics, and writes the documented files', async () => {
    const file = harness.file('run.jsonl', ['a one', 'b two', 'c three', 'a one'].map((text) => JSON.stringify({ text })).join('\n'));
    const progress: NodeProgress[] = [];
    const context = contextFor({ sources: [{ path: file }], valFraction: 0.34 }, new AbortController().signal, (update) => progress.push(update));
    const result = await datasetRun.run(context);
    expect(result.metrics).toMatchObject({ trainDocuments: 2, valDocuments: 1, duplicatesRemoved: 1, documentsRead: 4 });
    expect(result.outputs.corpus?.meta).toMatchObject({ format: CORPUS_FORMAT, duplicatesRemoved: 1, train: { documents: 2 } });
    expect(readdirSync(context.outputDir('corpus')).sort()).toEqual(['stats.json', 'train.idx', 'train.txt', 'val.idx', 'val.txt']);
    expect(progress.at(-1)).toMatchObject({ fraction: 1, metrics: result.metrics });
  });

  it('marks a chat corpus in its meta, so the tokenizer renders and masks its conversations', async () => {
    const record = (question: string) => JSON.stringify({ messages: [{ role: 'user', content: question }, { role: 'assistant', content: 'ok' }] });
    const file = harness.file('chat.jsonl', ['why?', 'how?', 'when?'].map(record).join('\n'));
    const result = await datasetRun.run(contextFor({ sources: [{ path: file }], content: 'chat' }, new AbortController().signal));
    expect(result.outputs.corpus?.meta).toMatchObject({ format: CORPUS_FORMAT, content: 'chat', train: { documents: 2 }, val: { documents: 1 } });
  });

  it('stops within seconds of a cancel, mid-file', async () => {
    const line = `${JSON.stringify({ text: 'some text that is long enough to matter '.repeat(4) })}\n`;
    const file = harness.file('cancel.jsonl', '');
    writeFileSync(file, Array.from({ length: 150_000 }, (_, index) => line.replace('some', `some ${index}`)).join(''));
    const controller = new AbortController();
    const progress: NodeProgress[] = [];
    const context = contextFor({ sources: [{ path: file }] }, controller.signal, (update) => {
      progress.push(update);
      controller.abort();
    });
    const startedAt = Date.now();
    await expect(datasetRun.run(context)).rejects.toThrow(/abort/i);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(progress[0]?.fraction ?? 1).toBeLessThan(0.85);
  });
});

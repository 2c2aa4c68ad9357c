// The context a node run receives: inputs by port, declared outputs only, and reporting that goes quiet on close.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import { capabilitiesForTest } from '../../nodes/testing/capabilities.ts';
import { openArtifactStore, type StoredArtifact } from '../artifacts/artifact-store.ts';
import { createNodeContext } from './node-context.ts';
import { planRun } from './plan.ts';
import { createFixtures, fixturePipeline } from './testing/fixture-nodes.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'crucible-context-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it('hands out inputs, declared output folders, and cleaned progress until closed', async () => {
  const { registry } = createFixtures();
  const plan = planRun({ pipeline: fixturePipeline([{ id: 'a', type: 'source' }, { id: 'c', type: 'concat' }], ['a.text->c.parts']), registry, pipelineDir: null });
  const store = await openArtifactStore(dataDir);
  const staging = await store.stage();
  const artifact: StoredArtifact = { path: '/artifacts/k', record: { key: 'k', type: 'Corpus', port: 'text', nodeType: 'source', nodeId: 'a', runId: 'r', meta: { n: 1 }, bytes: 1, createdAt: '' } };
  const progress: NodeProgress[] = [];
  const logs: string[] = [];
  const capabilities = capabilitiesForTest();
  const { context, close } = createNodeContext({
    runId: 'r', planned: plan.nodes.get('c')!, inputs: { parts: [artifact] }, staging, pipelineDir: null, dataDir, signal: new AbortController().signal, capabilities,
    onProgress: (update) => progress.push(update), onLog: (line) => logs.push(line),
  });

  expect(context.input('parts')).toEqual({ key: 'k', type: 'Corpus', path: '/artifacts/k', meta: { n: 1 } });
  expect(context.inputs('missing')).toEqual([]);
  expect(() => context.input('missing')).toThrow('node "c": input "missing" has no artifact');
  expect(context.outputDir('text')).toBe(path.join(staging.dir, 'text'));
  expect(() => context.outputDir('model')).toThrow('node "c": "concat" has no output "model" (declared outputs: "text")');
  expect(context.capabilities).toBe(capabilities);

  context.progress({ fraction: 1.5, metrics: { loss: 2, bad: Number.NaN }, message: 'half', extra: 'dropped' } as NodeProgress);
  context.progress(null as unknown as NodeProgress);
  context.log('hello');
  close();
  context.progress({ fraction: 0.1 });
  context.log('after close');
  expect(progress).toEqual([{ fraction: 1, metrics: { loss: 2 }, message: 'half' }, {}]);
  expect(logs).toEqual(['hello']);
});

// End to end through the Engine: dataset → tokenizer → pretrain → evaluate → export (GGUF and a Hugging Face
// repository). The trained folder carries its model card; the export node writes its artifact on a worker thread,
// puts the evaluation in the card and copies the export to outDir, relative to the pipeline file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine.ts';
import { readGguf } from '../ml/export/gguf/testing/read-gguf.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-export-pipeline-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const node = (id: string, type: string, config: Record<string, unknown>, x: number) => ({ id, type, typeVersion: 1, config, ui: { position: { x, y: 0 } } });
const edge = (id: string, from: [string, string], to: [string, string]) => ({ id, from: { node: from[0], port: from[1] }, to: { node: to[0], port: to[1] } });

const pipeline = {
  format: 'crucible.pipeline',
  version: 1,
  name: 'export a tiny char GPT',
  nodes: [
    node('data', 'dataset', { sources: [{ path: 'excerpt.txt' }], documentSplit: 'blank-lines', valFraction: 0.1 }, 0),
    node('tok', 'tokenizer', { kind: 'char' }, 200),
    node('train', 'pretrain', { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 4, maxSteps: 8, warmupSteps: 2, evalInterval: 8, evalBatches: 2, checkpointInterval: 8, threads: 1, device: 'cpu' }, 400),
    node('eval', 'evaluate', { evalBatches: 2, batchSize: 4, samples: 1, maxNewTokens: 8, prompt: 'A' }, 600),
    node('Bard_GGUF', 'export', { format: 'gguf', quantization: 'q8_0', outDir: 'exported' }, 800),
    node('repo', 'export', { format: 'hf', name: 'bard' }, 800),
  ],
  edges: [
    edge('e1', ['data', 'corpus'], ['tok', 'corpus']),
    edge('e2', ['tok', 'tokens'], ['train', 'tokens']),
    edge('e3', ['train', 'model'], ['eval', 'model']),
    edge('e4', ['tok', 'tokens'], ['eval', 'tokens']),
    edge('e5', ['train', 'model'], ['Bard_GGUF', 'model']),
    edge('e6', ['eval', 'report'], ['Bard_GGUF', 'report']),
    edge('e7', ['train', 'model'], ['repo', 'model']),
  ],
};

describe('export nodes in a pipeline', () => {
  it('export the trained model as GGUF (copied to outDir) and as a Hugging Face repository, with model cards', async () => {
    writeFileSync(path.join(workDir, 'excerpt.txt'), shakespeareExcerpt(20_000));
    const engine = await Engine.open({ dataDir: path.join(workDir, 'data') });
    try {
      const { runId } = engine.startRun({ pipeline, pipelinePath: path.join(workDir, 'pipeline.crucible.json') });
      const finished = await engine.finished(runId);
      expect(finished?.status, JSON.stringify(finished?.nodes)).toBe('succeeded');
      const trained = finished?.nodes.train?.artifact as string;
      expect(readFileSync(path.join(trained, 'README.md'), 'utf8')).toContain('# train\n');

      const gguf = finished?.nodes['Bard_GGUF']?.artifact as string;
      const card = readFileSync(path.join(gguf, 'README.md'), 'utf8');
      expect(card).toContain('# bard_gguf\n');
      expect(card).toContain('## Evaluation');
      expect(card).toContain('`ollama create bard_gguf -f crucible/bard_gguf/Modelfile`');
      expect(readGguf(path.join(gguf, 'crucible/bard_gguf/bard_gguf-Q8_0.gguf')).metadata.get('general.architecture')?.value).toBe('gpt2');
      const copied = path.join(workDir, 'exported');
      expect(readFileSync(path.join(copied, 'crucible/bard_gguf/Modelfile'), 'utf8')).toBe(readFileSync(path.join(gguf, 'crucible/bard_gguf/Modelfile'), 'utf8'));
      const logs = engine.store.logs(runId, { node: 'Bard_GGUF' }).map((entry) => entry.line);
      expect(logs).toEqual(expect.arrayContaining([`copied in ${copied}`, 'next: ollama create bard_gguf -f crucible/bard_gguf/Modelfile']));

      const repo = finished?.nodes.repo?.artifact as string;
      expect(existsSync(path.join(repo, 'model.safetensors'))).toBe(true);
      expect(existsSync(path.join(repo, 'crucible-provenance.json'))).toBe(false);
      expect(readFileSync(path.join(repo, 'README.md'), 'utf8')).toContain('# bard\n');
    } finally {
      await engine.close();
    }
  });
});

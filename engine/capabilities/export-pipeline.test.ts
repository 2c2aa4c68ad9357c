// End to end through the Engine: dataset → tokenizer → pretrain → evaluate → export (GGUF and a Hugging Face
// repository). The trained folder carries its model card; the export node writes its artifact on a worker thread,
// puts the evaluation in the card and copies the export to outDir, relative to the pipeline file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine.ts';
import { fixturePipeline } from '../executor/testing/fixture-nodes.ts';
import { readGguf } from '../ml/export/gguf/testing/read-gguf.ts';
import { shakespeareExcerpt } from '../ml/train/testing/tiny-settings.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-export-pipeline-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const pipeline = fixturePipeline(
  [
    { id: 'data', type: 'dataset', config: { sources: [{ path: 'excerpt.txt' }], documentSplit: 'blank-lines', valFraction: 0.1 } },
    { id: 'tok', type: 'tokenizer', config: { kind: 'char' } },
    { id: 'train', type: 'pretrain', config: { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 4, maxSteps: 8, warmupSteps: 2, evalInterval: 8, evalBatches: 2, checkpointInterval: 8, threads: 1, device: 'cpu' } },
    { id: 'eval', type: 'evaluate', config: { evalBatches: 2, batchSize: 4, samples: 1, maxNewTokens: 8, prompt: 'A' } },
    { id: 'Bard_GGUF', type: 'export', config: { format: 'gguf', quantization: 'q8_0', outDir: 'exported' } },
    { id: 'repo', type: 'export', config: { format: 'hf', name: 'bard' } },
  ],
  ['data.corpus->tok.corpus', 'tok.tokens->train.tokens', 'train.model->eval.model', 'tok.tokens->eval.tokens', 'train.model->Bard_GGUF.model', 'eval.report->Bard_GGUF.report', 'train.model->repo.model'],
  'export a tiny char GPT',
);

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

// Test helper: runs ingestCorpus on files written into a fresh temporary folder and reads the corpus back.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CorpusStats } from '../../../app/artifacts/corpus-layout.ts';
import type { NodeProgress } from '../../../app/protocol/run-events.ts';
import { datasetConfig } from '../../../nodes/dataset/spec.ts';
import { corpusDocuments } from '../corpus-reader.ts';
import { ingestCorpus } from '../ingest-corpus.ts';

export interface IngestedCorpus {
  stats: CorpusStats;
  train: string[];
  val: string[];
  progress: NodeProgress[];
  logs: string[];
  corpusDir: string;
}

export class IngestHarness {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'crucible-dataset-'));
  readonly dataDir = path.join(this.root, 'data');
  /** Where file() writes, and the pipeline folder the corpus names its sources against. */
  readonly inputDir = path.join(this.root, 'in');
  private runs = 0;

  /** Writes a file under the harness folder and returns its absolute path. */
  file(relative: string, content: string | Uint8Array): string {
    const target = path.join(this.inputDir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    return target;
  }

  async ingest(config: Record<string, unknown>, signal = new AbortController().signal): Promise<IngestedCorpus> {
    const corpusDir = path.join(this.root, `corpus-${++this.runs}`);
    mkdirSync(corpusDir, { recursive: true });
    const progress: NodeProgress[] = [];
    const logs: string[] = [];
    const stats = await ingestCorpus({
      config: datasetConfig.parse(config),
      corpusDir,
      dataDir: this.dataDir,
      pipelineDir: this.inputDir,
      signal,
      progress: (update) => progress.push(update),
      log: (line) => logs.push(line),
    });
    return { stats, train: await collect(corpusDocuments(corpusDir, 'train')), val: await collect(corpusDocuments(corpusDir, 'val')), progress, logs, corpusDir };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

async function collect(documents: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const document of documents) all.push(document);
  return all;
}

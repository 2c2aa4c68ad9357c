// What the dataset node asks of the engine (ctx.capabilities.ingest): read its sources (files, folders, globs, URLs),
// clean, deduplicate and split them into a Corpus artifact folder. Types only;
// engine/capabilities/ingest-capability.ts implements it over engine/ingest.
import type { z } from 'zod';
import type { CorpusStats } from '../../app/artifacts/corpus-layout.ts';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { datasetConfig } from '../dataset/spec.ts';

export type DatasetConfig = z.output<typeof datasetConfig>;

export interface CorpusRequest {
  config: DatasetConfig;
  /** The folder to write train.txt, val.txt, their indexes and stats.json into (app/artifacts/corpus-layout.ts). */
  corpusDir: string;
  /** The engine data directory, which holds the download cache. */
  dataDir: string;
  /** The pipeline file's folder (null when unsaved): stats.json names the files read relative to it. */
  pipelineDir: string | null;
}

export interface IngestHooks {
  /** Aborting stops the job within seconds; the promise then rejects. */
  signal: AbortSignal;
  /** Reading is 85 % of the fraction, copying into the splits the rest; metrics count documents and bytes. */
  progress(update: NodeProgress): void;
  log(line: string): void;
}

export interface IngestCapability {
  /** Writes the corpus and returns its stats (also written as stats.json). Nothing is held in memory whole. */
  buildCorpus(request: CorpusRequest, hooks: IngestHooks): Promise<CorpusStats>;
}

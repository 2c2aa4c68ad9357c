// Engine side of the dataset node: ctx.capabilities.ingest reads, cleans, deduplicates and splits the sources into the
// Corpus artifact (app/artifacts/corpus-layout.ts). The content fingerprint keys the cache; the check keeps secrets
// out and warns about sources outside the pipeline's folder (source-checks.ts).
import { corpusMeta, type CorpusStats } from '../../app/artifacts/corpus-layout.ts';
import type { NodeRunResult } from '../../app/nodes/run-contract.ts';
import type { NodeRunContextOf, NodeRunOf } from '../capabilities.ts';
import type { DatasetConfig } from '../capabilities/ingest.ts';
import { datasetFingerprint } from './fingerprint.ts';
import { checkDatasetSources } from './source-checks.ts';

export const datasetRun: NodeRunOf<DatasetConfig> = {
  type: 'dataset',
  fingerprint: datasetFingerprint,
  check: checkDatasetSources,
  run: runDataset,
};

async function runDataset(ctx: NodeRunContextOf<DatasetConfig>): Promise<NodeRunResult> {
  const stats = await ctx.capabilities.ingest.buildCorpus(
    { config: ctx.config, corpusDir: ctx.outputDir('corpus'), dataDir: ctx.dataDir, pipelineDir: ctx.pipelineDir },
    { signal: ctx.signal, progress: (update) => ctx.progress(update), log: (line) => ctx.log(line) },
  );
  const metrics = corpusMetrics(stats);
  ctx.progress({ fraction: 1, message: `${stats.train.documents} train and ${stats.val.documents} val documents`, metrics });
  const what = stats.content === 'chat' ? 'conversations' : 'documents';
  ctx.log(
    `corpus${stats.content === 'chat' ? ' (chat)' : ''}: train ${stats.train.documents} ${what} / ${stats.train.characters} characters, val ${stats.val.documents} / ${stats.val.characters}; ` +
      `${stats.duplicatesRemoved} duplicates removed, ${stats.documentsFiltered} documents filtered`,
  );
  return { outputs: { corpus: { meta: corpusMeta(stats) } }, metrics };
}

function corpusMetrics(stats: CorpusStats): Record<string, number> {
  return {
    trainDocuments: stats.train.documents,
    valDocuments: stats.val.documents,
    trainCharacters: stats.train.characters,
    valCharacters: stats.val.characters,
    trainBytes: stats.train.bytes,
    valBytes: stats.val.bytes,
    bytesRead: stats.bytesRead,
    documentsRead: stats.documentsRead,
    duplicatesRemoved: stats.duplicatesRemoved,
    documentsFiltered: stats.documentsFiltered,
  };
}

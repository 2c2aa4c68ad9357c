// Engine side of the dataset node: reads, cleans, deduplicates and splits the sources into the Corpus artifact
// (train.txt/val.txt + indexes + stats.json, see README.md). The content fingerprint keys the cache; the check keeps
// secrets out and warns about sources outside the pipeline's folder (source-checks.ts).
import type { NodeRunModule } from '../../app/nodes/run-contract.ts';
import { CORPUS_FORMAT_VERSION } from './corpus-reader.ts';
import { datasetFingerprint } from './fingerprint.ts';
import { ingestCorpus, type DatasetConfig } from './ingest-corpus.ts';
import { checkDatasetSources } from './source-checks.ts';

export const datasetRun: NodeRunModule<DatasetConfig> = {
  type: 'dataset',
  fingerprint: datasetFingerprint,
  check: checkDatasetSources,
  run: async (context) => {
    const stats = await ingestCorpus({
      config: context.config,
      corpusDir: context.outputDir('corpus'),
      dataDir: context.dataDir,
      signal: context.signal,
      progress: (update) => context.progress(update),
      log: (line) => context.log(line),
    });
    const metrics = {
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
    context.progress({ fraction: 1, message: `${stats.train.documents} train and ${stats.val.documents} val documents`, metrics });
    context.log(
      `corpus: train ${stats.train.documents} documents / ${stats.train.characters} characters, val ${stats.val.documents} / ${stats.val.characters}; ` +
        `${stats.duplicatesRemoved} duplicates removed, ${stats.documentsFiltered} documents filtered`,
    );
    return { outputs: { corpus: { meta: { format: CORPUS_FORMAT_VERSION, ...stats } } }, metrics };
  },
};

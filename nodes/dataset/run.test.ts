// The dataset run on its own, over a stand-in ingest capability: what it asks for, and how the corpus stats become
// the artifact's meta, the metrics, the last progress event and the log. The real one:
// engine/capabilities/dataset-node.test.ts.
import { describe, expect, it } from 'vitest';
import type { CorpusStats } from '../../app/artifacts/corpus-layout.ts';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../capabilities.ts';
import type { CorpusRequest, DatasetConfig, IngestCapability, IngestHooks } from '../capabilities/ingest.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { datasetRun } from './run.ts';
import { datasetConfig } from './spec.ts';

const stats: CorpusStats = {
  version: 1,
  train: { documents: 2, characters: 11, bytes: 12 },
  val: { documents: 1, characters: 7, bytes: 7 },
  splitBy: 'documents',
  files: 1,
  bytesRead: 60,
  documentsRead: 4,
  duplicatesRemoved: 1,
  duplicates: { exact: 1, near: 0 },
  documentsFiltered: 0,
  filtered: { empty: 0, tooShort: 0, tooLong: 0 },
  sources: [{ path: 'a.txt', sha256: 'a'.repeat(64) }],
};

interface Recorded {
  requests: CorpusRequest[];
  progress: NodeProgress[];
  logs: string[];
}

function contextFor(ingest: IngestCapability, recorded: Recorded, signal = new AbortController().signal): NodeRunContext<DatasetConfig, NodeCapabilities> {
  return {
    runId: 'run-1',
    nodeId: 'data',
    config: datasetConfig.parse({ sources: [{ path: '/corpus/a.txt' }] }),
    input: () => {
      throw new Error('the dataset has no inputs');
    },
    inputs: () => [],
    outputDir: (port) => `/out/${port}`,
    pipelineDir: '/project',
    dataDir: '/data',
    signal,
    progress: (update) => recorded.progress.push(update),
    log: (line) => recorded.logs.push(line),
    capabilities: capabilitiesForTest({ ingest }),
  };
}

function recordingIngest(recorded: Recorded): IngestCapability {
  return {
    async buildCorpus(request: CorpusRequest, hooks: IngestHooks) {
      recorded.requests.push(request);
      hooks.progress({ fraction: 0.5, message: 'read 1 MB of 2 MB' });
      hooks.log('using the cached copy of a URL');
      return stats;
    },
  };
}

describe('datasetRun', () => {
  it('asks the ingest capability for the corpus in its output folder, and returns the stats as meta and metrics', async () => {
    const recorded: Recorded = { requests: [], progress: [], logs: [] };
    const context = contextFor(recordingIngest(recorded), recorded);
    const result = await datasetRun.run(context);

    expect(recorded.requests).toEqual([{ config: context.config, corpusDir: '/out/corpus', dataDir: '/data', pipelineDir: '/project' }]);
    expect(result.outputs.corpus?.meta).toEqual({ format: 'crucible.corpus.v1', ...stats });
    expect(result.metrics).toEqual({
      trainDocuments: 2,
      valDocuments: 1,
      trainCharacters: 11,
      valCharacters: 7,
      trainBytes: 12,
      valBytes: 7,
      bytesRead: 60,
      documentsRead: 4,
      duplicatesRemoved: 1,
      documentsFiltered: 0,
    });
    expect(recorded.progress).toEqual([{ fraction: 0.5, message: 'read 1 MB of 2 MB' }, { fraction: 1, message: '2 train and 1 val documents', metrics: result.metrics }]);
    expect(recorded.logs).toEqual(['using the cached copy of a URL', 'corpus: train 2 documents / 11 characters, val 1 / 7; 1 duplicates removed, 0 documents filtered']);
  });
});

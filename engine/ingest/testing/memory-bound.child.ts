// Child process for the memory-bound test and the ingest benchmark: ingests one file with the given documentSplit
// and prints the stats, the wall time and the process's peak RSS as one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetConfig } from '../../../nodes/dataset/spec.ts';
import { ingestCorpus } from '../ingest-corpus.ts';

const [file, documentSplit = 'none', dedupe = 'exact'] = process.argv.slice(2);
if (!file) throw new Error('usage: memory-bound.child.ts FILE [documentSplit] [dedupe]');
const corpusDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-memory-'));
const startedAt = performance.now();
try {
  const stats = await ingestCorpus({
    config: datasetConfig.parse({ sources: [{ path: file }], documentSplit, dedupe }),
    corpusDir,
    dataDir: corpusDir,
    pipelineDir: null,
    signal: new AbortController().signal,
    progress: () => undefined,
    log: () => undefined,
  });
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ stats, peakRssBytes, seconds: (performance.now() - startedAt) / 1000 })}\n`);
} finally {
  rmSync(corpusDir, { recursive: true, force: true });
}

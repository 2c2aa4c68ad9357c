// Test support: a NodeRunContext for one tokenizer node run outside the executor — a corpus input, fresh output
// folders, the given capabilities, and the progress updates and log lines the run sent.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { NodeRunContext } from '../../../app/nodes/run-contract.ts';
import type { LogLevel, NodeProgress } from '../../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../../capabilities.ts';
import { tokenizerConfig } from '../spec.ts';

export interface RecordedRunContext extends NodeRunContext<z.output<typeof tokenizerConfig>, NodeCapabilities> {
  progressUpdates: NodeProgress[];
  logLines: { line: string; level: LogLevel }[];
  controller: AbortController;
}

/** `corpusMeta` is what the dataset recorded on the corpus input (its sources, for one). */
export function tokenizerRunContext(workDir: string, corpusDir: string, config: z.input<typeof tokenizerConfig>, capabilities: NodeCapabilities, corpusMeta: Record<string, unknown> = {}): RecordedRunContext {
  const controller = new AbortController();
  const progressUpdates: NodeProgress[] = [];
  const logLines: { line: string; level: LogLevel }[] = [];
  const corpus = { key: 'corpus-key', type: 'Corpus' as const, path: corpusDir, meta: corpusMeta };
  return {
    runId: 'run-test',
    nodeId: 'tok',
    config: tokenizerConfig.parse(config),
    input: (port) => {
      if (port !== 'corpus') throw new Error(`no input on port ${port}`);
      return corpus;
    },
    inputs: (port) => (port === 'corpus' ? [corpus] : []),
    outputDir: (port) => {
      const folder = path.join(workDir, 'out', port);
      mkdirSync(folder, { recursive: true });
      return folder;
    },
    pipelineDir: workDir,
    dataDir: path.join(workDir, 'data'),
    signal: controller.signal,
    progress: (update) => progressUpdates.push(update),
    log: (line, level = 'info') => logLines.push({ line, level }),
    capabilities,
    progressUpdates,
    logLines,
    controller,
  };
}

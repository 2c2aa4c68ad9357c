// Test support: a NodeRunContext for one tokenizer node run outside the executor — a corpus input, fresh output
// folders, the given capabilities, and the progress updates and log lines the run sent.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { ArtifactHandle, NodeRunContext } from '../../../app/nodes/run-contract.ts';
import type { LogLevel, NodeProgress } from '../../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../../capabilities.ts';
import { tokenizerConfig } from '../spec.ts';

export interface RecordedRunContext extends NodeRunContext<z.output<typeof tokenizerConfig>, NodeCapabilities> {
  progressUpdates: NodeProgress[];
  logLines: { line: string; level: LogLevel }[];
  controller: AbortController;
}

/**
 * `corpusMeta` is what the dataset recorded on the corpus input (its sources, its content); `tokenizerDir`, when
 * given, is a Tokenizer artifact folder connected to the `tokenizer` input.
 */
export function tokenizerRunContext(
  workDir: string,
  corpusDir: string,
  config: z.input<typeof tokenizerConfig>,
  capabilities: NodeCapabilities,
  corpusMeta: Record<string, unknown> = {},
  tokenizerDir: string | null = null,
): RecordedRunContext {
  const controller = new AbortController();
  const progressUpdates: NodeProgress[] = [];
  const logLines: { line: string; level: LogLevel }[] = [];
  const corpus = { key: 'corpus-key', type: 'Corpus' as const, path: corpusDir, meta: corpusMeta };
  const inputs: Record<string, ArtifactHandle[]> = {
    corpus: [corpus],
    tokenizer: tokenizerDir === null ? [] : [{ key: 'tokenizer-key', type: 'Tokenizer', path: tokenizerDir, meta: {} }],
  };
  return {
    runId: 'run-test',
    nodeId: 'tok',
    config: tokenizerConfig.parse(config),
    input: (port) => {
      const [artifact] = inputs[port] ?? [];
      if (artifact === undefined) throw new Error(`no input on port ${port}`);
      return artifact;
    },
    inputs: (port) => inputs[port] ?? [],
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

// Child process for the kill-mid-write test: runs one slow-writing node over the given data directory and prints
// every event as a JSON line, so the parent can SIGKILL it while the node is halfway through its output.
import { createTestEngine } from './test-engine.ts';
import { fixturePipeline } from './fixture-nodes.ts';

export const SLOW_WRITER_PIPELINE = fixturePipeline([{ id: 'writer', type: 'slow', config: { durationMs: 1500, chunkMs: 20 } }]);
export const SLOW_WRITER_PIPELINE_ID = 'kill-mid-write';

const dataDir = process.argv[2];
if (dataDir) {
  const engine = await createTestEngine(dataDir, { onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`) });
  await engine.run({ pipeline: SLOW_WRITER_PIPELINE, pipelineId: SLOW_WRITER_PIPELINE_ID });
}

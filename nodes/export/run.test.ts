// The export node's run over a stub export capability: the name it derives, what it asks for, the log and the meta.
import { describe, expect, it } from 'vitest';
import type { ArtifactHandle, NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { LogLevel } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../capabilities.ts';
import type { ExportConfig, ExportJobOutcome, ExportJobRequest } from '../capabilities/export.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { exportRun } from './run.ts';
import { exportConfig, exportSpec } from './spec.ts';

const model: ArtifactHandle = { key: 'model-key', type: 'Model', path: '/artifacts/model-key', meta: {} };
const report: ArtifactHandle = { key: 'report-key', type: 'Report', path: '/artifacts/report-key', meta: {} };

function run(config: Partial<ExportConfig>, outcome: ExportJobOutcome, inputs: { report?: ArtifactHandle } = {}) {
  const requests: ExportJobRequest[] = [];
  const logs: { line: string; level?: LogLevel }[] = [];
  const exporting = { export: async (request: ExportJobRequest) => (requests.push(request), outcome) };
  const ctx: NodeRunContext<ExportConfig, NodeCapabilities> = {
    runId: 'run-1',
    nodeId: 'Bard.Export',
    config: exportConfig.parse(config),
    input: () => model,
    inputs: (port) => (port === 'report' && inputs.report ? [inputs.report] : []),
    outputDir: (port) => `/staging/${port}`,
    pipelineDir: '/pipelines',
    dataDir: '/data',
    signal: new AbortController().signal,
    progress: () => undefined,
    log: (line, level) => logs.push({ line, level }),
    capabilities: capabilitiesForTest({ exporting }),
  };
  return { result: exportRun.run(ctx), requests, logs };
}

const gguf: ExportJobOutcome = { files: ['README.md', 'crucible/bard/bard-Q8_0.gguf', 'crucible/bard/Modelfile'], bytes: 2_000_000, command: 'ollama create bard -f crucible/bard/Modelfile', notes: ['llama.cpp drops unknown characters'], fileType: 'Q8_0', copy: { folder: '/out', result: 'replaced' } };

describe('exportRun', () => {
  it('names the model after the node when the config does not, passes the evaluation, logs notes and the next command', async () => {
    const { result, requests, logs } = run({}, gguf, { report });
    const { outputs, metrics } = await result;
    expect(requests[0]).toMatchObject({ name: 'bard.export', modelFolder: '/artifacts/model-key', reportFolder: '/artifacts/report-key', outputFolder: '/staging/export', config: { format: 'gguf', quantization: 'q8_0' } });
    expect(logs).toEqual([
      { line: 'llama.cpp drops unknown characters', level: 'warn' },
      { line: 'replaced the earlier export in /out', level: undefined },
      { line: 'next: ollama create bard -f crucible/bard/Modelfile', level: undefined },
    ]);
    expect(outputs.export?.meta).toMatchObject({ format: 'gguf', name: 'bard.export', fileType: 'Q8_0', copiedTo: '/out', command: gguf.command });
    expect(metrics).toEqual({ bytes: 2_000_000, files: 3 });
  });

  it('uses the configured name; the spec refuses a name Ollama would not take', async () => {
    const { requests } = run({ name: 'bard', format: 'hf' }, { ...gguf, command: null, notes: [], fileType: null, copy: null });
    await Promise.resolve();
    expect(requests[0]).toMatchObject({ name: 'bard', reportFolder: null });
    expect(exportSpec.checkConfig?.(exportConfig.parse({ name: 'My Model' }))).toEqual([{ field: 'name', message: expect.stringContaining('lowercase') }]);
  });
});

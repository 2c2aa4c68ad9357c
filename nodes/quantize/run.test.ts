// The quantize node's run over a stub quantization capability: what it asks it for, the provenance it passes, and
// the meta and metrics it returns.
import { describe, expect, it } from 'vitest';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { LogLevel, NodeProgress } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../capabilities.ts';
import type { QuantizationCapability, QuantizeConfig, QuantizeOutcome, QuantizeRequest } from '../capabilities/quantization.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { quantizeRun } from './run.ts';
import { quantizeConfig } from './spec.ts';

interface Recorded {
  requests: QuantizeRequest[];
  progress: NodeProgress[];
  logs: { line: string; level?: LogLevel }[];
}

function contextFor(quantization: QuantizationCapability, recorded: Recorded): NodeRunContext<QuantizeConfig, NodeCapabilities> {
  return {
    runId: 'run-7',
    nodeId: 'quantize-1',
    config: quantizeConfig.parse({ scheme: 'int8', blockSize: 64 }),
    input: (port) => {
      expect(port).toBe('model');
      return { key: 'model-key', type: 'Model', path: '/artifacts/model-key', meta: { nLayer: 2, files: ['config.json', 'onnx/model.onnx'] } };
    },
    inputs: () => [],
    outputDir: (port) => `/staging/${port}`,
    pipelineDir: null,
    dataDir: '/data',
    signal: new AbortController().signal,
    progress: (update) => recorded.progress.push(update),
    log: (line, level) => recorded.logs.push({ line, level }),
    capabilities: capabilitiesForTest({ quantization }),
  };
}

function stubQuantization(outcome: QuantizeOutcome, recorded: Recorded): QuantizationCapability {
  return {
    quantize: async (request) => {
      recorded.requests.push(request);
      return outcome;
    },
  };
}

describe('quantizeRun', () => {
  it('asks the capability for a new model folder and returns its metrics with the quantization in the meta', async () => {
    const recorded: Recorded = { requests: [], progress: [], logs: [] };
    const metrics = { sizeRatio: 0.27, decodeSpeedRatio: 1.6, perplexityChangePercent: 0.4 };
    const outcome: QuantizeOutcome = { decoderFile: 'onnx/model_int8.onnx', reportFile: 'report.json', metrics, validationNote: null };
    const result = await quantizeRun.run(contextFor(stubQuantization(outcome, recorded), recorded));
    const [request] = recorded.requests;
    expect(request).toMatchObject({ modelFolder: '/artifacts/model-key', outputFolder: '/staging/model', dataDir: '/data', config: { scheme: 'int8', blockSize: 64, accuracyLevel: 4 } });
    expect(request?.provenance).toMatchObject({ runId: 'run-7', node: { id: 'quantize-1', type: 'quantize' }, inputs: { model: { key: 'model-key' } } });
    expect(result.metrics).toEqual(metrics);
    expect(result.outputs.model?.meta).toMatchObject({ nLayer: 2, quantization: { scheme: 'int8', decoderFile: 'onnx/model_int8.onnx' }, metrics });
    expect(result.outputs.model?.meta?.files).toEqual(['config.json', 'onnx/model.onnx', 'onnx/model_int8.onnx', 'report.json']);
    expect(recorded.progress.at(-1)?.message).toBe('size 27.0% of float32, decode 1.60× float32, perplexity +0.40%');
  });

  it('passes on the note when val loss could not be measured', async () => {
    const recorded: Recorded = { requests: [], progress: [], logs: [] };
    const outcome: QuantizeOutcome = { decoderFile: 'onnx/model_q4.onnx', reportFile: 'report.json', metrics: { sizeRatio: 0.2, decodeSpeedRatio: 1.2 }, validationNote: 'no tokens' };
    await quantizeRun.run(contextFor(stubQuantization(outcome, recorded), recorded));
    expect(recorded.logs).toContainEqual({ line: 'no tokens', level: 'warn' });
    expect(recorded.progress.at(-1)?.message).toBe('size 20.0% of float32, decode 1.20× float32');
  });
});

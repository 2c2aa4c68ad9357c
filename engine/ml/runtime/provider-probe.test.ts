// The provider probe for real: a child process creates and runs a one-node session. The CPU provider always works;
// a provider this build lacks and a timeout come back as unavailable with a reason instead of an exception.

import { describe, expect, it } from 'vitest';
import { conciseOrtError, missingCudaLibrary, probeExecutionProvider } from './provider-probe.ts';
import { createModelSession } from './session.ts';

describe('probeExecutionProvider', () => {
  it('finds the CPU provider working', async () => {
    expect(await probeExecutionProvider('cpu')).toEqual({ available: true });
  });

  it.runIf(process.platform !== 'win32')('reports a provider this build lacks as unavailable, not as the CPU in disguise', async () => {
    const result = await probeExecutionProvider('dml');
    expect(result).toEqual({ available: false, reason: expect.stringMatching(/no available backend found.*dml/) });
  });

  it('gives up on a probe that does not answer in time', async () => {
    const result = await probeExecutionProvider('cpu', { timeoutMs: 1 });
    expect(result).toEqual({ available: false, reason: 'the CPU provider did not start within 1 ms' });
  });
});

describe('conciseOrtError', () => {
  it('keeps the readable part of an ORT assertion message on one line', () => {
    const raw = '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 lambda adapter_result.status == Success was false.\n Failed to get a WebGPU adapter: No supported adapters';
    expect(conciseOrtError(raw)).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(conciseOrtError('x'.repeat(500))).toHaveLength(240);
  });
});

describe('missingCudaLibrary', () => {
  it('names the first CUDA provider library missing from a folder, and nothing once all are there', () => {
    const present = new Set(['/ort/libonnxruntime_providers_cuda.so']);
    expect(missingCudaLibrary('/ort', (file) => present.has(file))).toBe('/ort/libonnxruntime_providers_shared.so');
    present.add('/ort/libonnxruntime_providers_shared.so');
    expect(missingCudaLibrary('/ort', (file) => present.has(file))).toBeUndefined();
  });

  it.skipIf(missingCudaLibrary() === undefined)('keeps a session asked for CUDA away from ORT when the provider is not installed', async () => {
    await expect(createModelSession(new Uint8Array(), { device: 'cuda' })).rejects.toThrow(/device "cuda" needs .*libonnxruntime_providers_\w+\.so, which is missing; reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});

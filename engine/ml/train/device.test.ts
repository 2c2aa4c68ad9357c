// Device resolution: the CPU is used for every request, silently when asked for, with a notice otherwise.

import { describe, expect, it } from 'vitest';
import { resolveDevice } from './device.ts';

describe('resolveDevice', () => {
  it('runs on the CPU and explains any fallback', () => {
    expect(resolveDevice('cpu')).toEqual({ device: 'cpu', notice: null });
    expect(resolveDevice('auto')).toMatchObject({ device: 'cpu', notice: expect.stringMatching(/auto: running on the CPU/) });
    expect(resolveDevice('cuda').notice).toMatch(/CUDA execution provider is not available .* falls back to the CPU; set device to "cpu"/);
    expect(resolveDevice('coreml').notice).toMatch(/CoreML/);
  });
});

// Session options: the CPU keeps the options training was tuned with, and a GPU device only changes the providers.
// Whether a missing GPU provider fails loudly is checked against ORT itself in provider-probe.test.ts.

import { describe, expect, it } from 'vitest';
import { COMPUTE_DEVICES } from '../../../app/protocol/compute-devices.ts';
import { executionProvidersFor, ortSessionOptions } from './session-options.ts';

describe('ortSessionOptions', () => {
  it('runs on the CPU, one thread, no spinning and no MatmulTransposeFusion by default', () => {
    expect(ortSessionOptions()).toEqual({
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      extra: {
        session: { intra_op: { allow_spinning: '0' } },
        optimization: { disable_specified_optimizers: 'MatmulTransposeFusion' },
      },
    });
  });

  it("turns ORT's CPU arena and memory pattern off for lean sessions, and changes nothing else", () => {
    const lean = ortSessionOptions({ intraOpThreads: 2, memory: 'lean' });
    expect(lean).toEqual({ ...ortSessionOptions({ intraOpThreads: 2 }), enableCpuMemArena: false, enableMemPattern: false });
    expect(ortSessionOptions({ memory: 'arena' })).toEqual(ortSessionOptions());
  });

  it('changes only the providers for a GPU device', () => {
    const cpu = ortSessionOptions({ intraOpThreads: 4, spinning: true });
    const webgpu = ortSessionOptions({ intraOpThreads: 4, spinning: true, device: 'webgpu' });
    expect(webgpu).toEqual({ ...cpu, executionProviders: ['webgpu'] });
  });
});

describe('executionProvidersFor', () => {
  it('lists a GPU provider alone (ORT adds the CPU behind it), naming CUDA and DirectML with device 0', () => {
    for (const device of COMPUTE_DEVICES.filter((name) => name !== 'cpu')) expect(executionProvidersFor(device)).not.toContain('cpu');
    expect(executionProvidersFor('cuda')).toEqual([{ name: 'cuda', deviceId: 0 }]);
    expect(executionProvidersFor('dml')).toEqual([{ name: 'dml', deviceId: 0 }]);
  });
});

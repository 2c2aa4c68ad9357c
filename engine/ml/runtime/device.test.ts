// Device resolution on simulated machines: the auto order, the CUDA library check, probes that fail, and the CPU
// fallback with a notice that says why and what to do. No provider is started here (probes are injected).

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuDevice } from '../../../app/protocol/compute-devices.ts';
import type { ProviderProbeResult } from './provider-probe.ts';
import { resolveDevice, type DeviceEnvironment } from './device.ts';
import { CUDA_PROVIDER_LIBRARIES } from './provider-probe.ts';

const ORT_BIN = '/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64';

interface FakeMachine {
  platform?: NodeJS.Platform;
  arch?: string;
  files?: string[];
  /** Providers whose probe succeeds; every other probe fails with "no adapter". */
  working?: GpuDevice[];
}

function machine({ platform = 'linux', arch = 'x64', files = [], working = [] }: FakeMachine) {
  const probed: GpuDevice[] = [];
  const environment: DeviceEnvironment = {
    platform,
    arch,
    ortBinaryFolder: ORT_BIN,
    fileExists: (file) => files.includes(file),
    probe: async (device): Promise<ProviderProbeResult> => {
      probed.push(device);
      return working.includes(device) ? { available: true } : { available: false, reason: 'Failed to get a WebGPU adapter: No supported adapters' };
    },
  };
  return { environment, probed };
}

const cudaInstalled = CUDA_PROVIDER_LIBRARIES.map((name) => path.join(ORT_BIN, name));

describe('resolveDevice("cpu")', () => {
  it('uses the CPU silently and probes nothing', async () => {
    const { environment, probed } = machine({ files: cudaInstalled, working: ['cuda', 'webgpu'] });
    expect(await resolveDevice('cpu', environment)).toEqual({ device: 'cpu', notice: null, level: 'info' });
    expect(probed).toEqual([]);
  });
});

describe('resolveDevice("auto")', () => {
  it('prefers an installed, working CUDA over WebGPU', async () => {
    const { environment, probed } = machine({ files: cudaInstalled, working: ['cuda', 'webgpu'] });
    expect(await resolveDevice('auto', environment)).toEqual({ device: 'cuda', notice: 'device auto: running on CUDA', level: 'info' });
    expect(probed).toEqual(['cuda']);
  });

  it('skips CUDA without probing it when its provider library is missing, then takes WebGPU', async () => {
    const { environment, probed } = machine({ files: cudaInstalled.slice(0, 1), working: ['cuda', 'webgpu'] });
    expect((await resolveDevice('auto', environment)).device).toBe('webgpu');
    expect(probed).toEqual(['webgpu']);
  });

  it('takes DirectML on Windows and CoreML on macOS before WebGPU', async () => {
    const windows = machine({ platform: 'win32', working: ['dml', 'webgpu'] });
    expect((await resolveDevice('auto', windows.environment)).device).toBe('dml');
    const mac = machine({ platform: 'darwin', arch: 'arm64', working: ['coreml', 'webgpu'] });
    expect((await resolveDevice('auto', mac.environment)).device).toBe('coreml');
  });

  it('moves on to WebGPU when the platform provider fails its probe', async () => {
    const { environment, probed } = machine({ platform: 'win32', working: ['webgpu'] });
    expect((await resolveDevice('auto', environment)).device).toBe('webgpu');
    expect(probed).toEqual(['dml', 'webgpu']);
  });

  it('falls back to the CPU and lists why each provider was skipped', async () => {
    const { environment } = machine({});
    const resolved = await resolveDevice('auto', environment);
    expect(resolved.device).toBe('cpu');
    expect(resolved.level).toBe('info');
    expect(resolved.notice).toMatch(/^device auto: running on the CPU \(CUDA: .*libonnxruntime_providers_cuda\.so is missing.*; DirectML: .*Windows only.*; CoreML: .*macOS only.*; WebGPU: .*No supported adapters.*\)$/);
  });

  it('never probes WebGPU where onnxruntime-node does not ship it', async () => {
    const { environment, probed } = machine({ arch: 'arm64', working: ['webgpu'] });
    expect((await resolveDevice('auto', environment)).device).toBe('cpu');
    expect(probed).toEqual([]);
  });
});

describe('resolveDevice(a named GPU)', () => {
  it('uses a working device without a notice', async () => {
    const { environment } = machine({ working: ['webgpu'] });
    expect(await resolveDevice('webgpu', environment)).toEqual({ device: 'webgpu', notice: null, level: 'info' });
  });

  it('falls back to the CPU with a warning naming the missing CUDA library and the install flag', async () => {
    const { environment } = machine({});
    const resolved = await resolveDevice('cuda', environment);
    expect(resolved).toMatchObject({ device: 'cpu', level: 'warn' });
    expect(resolved.notice).toContain(`${path.join(ORT_BIN, 'libonnxruntime_providers_cuda.so')} is missing`);
    expect(resolved.notice).toMatch(/falls back to the CPU\. Reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 .*set device to "cpu"/);
  });

  it('explains a platform mismatch and a failed probe', async () => {
    const mac = machine({ platform: 'darwin', arch: 'arm64', working: ['cuda'] });
    expect((await resolveDevice('cuda', mac.environment)).notice).toMatch(/CUDA on Linux x64 only, not darwin\/arm64/);
    expect((await resolveDevice('dml', mac.environment)).notice).toMatch(/DirectML runs on Windows only/);
    const linux = machine({});
    expect((await resolveDevice('webgpu', linux.environment)).notice).toMatch(/WebGPU provider failed to start \(Failed to get a WebGPU adapter.*\).*Vulkan/);
  });
});

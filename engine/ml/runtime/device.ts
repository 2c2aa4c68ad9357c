// Which compute device a training, evaluation or inference job runs on. `auto` takes the first GPU provider that
// works here (CUDA, DirectML, CoreML, WebGPU) and else the CPU; a named device that is missing falls back to the CPU.

import { existsSync } from 'node:fs';
import { DEVICE_TITLES, type ComputeDevice, type GpuDevice } from '../../../app/protocol/compute-devices.ts';
import { missingCudaLibrary, ortBinaryFolder, probeExecutionProviderOnce, type ProviderProbeResult } from './provider-probe.ts';

export type RequestedDevice = 'auto' | ComputeDevice;

export interface ResolvedDevice {
  device: ComputeDevice;
  /** What to tell the user about the choice; null when the requested device was used as asked. */
  notice: string | null;
  /** 'warn' when a named device was missing, 'info' for what `auto` chose. */
  level: 'info' | 'warn';
}

/** What resolution looks at, injectable so tests can play any machine. */
export interface DeviceEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  /** onnxruntime-node's native library folder for this platform (provider-probe.ts). */
  ortBinaryFolder: string;
  fileExists(filePath: string): boolean;
  /** Creates and runs a tiny session on the device's provider. */
  probe(device: GpuDevice): Promise<ProviderProbeResult>;
}

/** The order `auto` tries: an installed CUDA first, then the platform's native API, then WebGPU. */
export const AUTO_DEVICE_ORDER: readonly GpuDevice[] = ['cuda', 'dml', 'coreml', 'webgpu'];

/** Where onnxruntime-node 1.30 ships a WebGPU provider (its README's platform table). */
const WEBGPU_BUNDLED = new Set(['win32/x64', 'win32/arm64', 'linux/x64', 'darwin/arm64']);

type Unavailable = { available: false; reason: string; remedy: string };
type Availability = { available: true } | Unavailable;

export function defaultDeviceEnvironment(): DeviceEnvironment {
  return {
    platform: process.platform,
    arch: process.arch,
    ortBinaryFolder: ortBinaryFolder(),
    fileExists: existsSync,
    probe: probeExecutionProviderOnce,
  };
}

export async function resolveDevice(requested: RequestedDevice, environment: DeviceEnvironment = defaultDeviceEnvironment()): Promise<ResolvedDevice> {
  if (requested === 'cpu') return { device: 'cpu', notice: null, level: 'info' };
  if (requested === 'auto') return resolveAuto(environment);
  const availability = await availabilityOf(requested, environment);
  if (availability.available) return { device: requested, notice: null, level: 'info' };
  return {
    device: 'cpu',
    notice: `device "${requested}": ${availability.reason}, so this run falls back to the CPU. ${availability.remedy}, or set device to "cpu" to silence this warning`,
    level: 'warn',
  };
}

/** Resolves `requested` and logs what was chosen or why it fell back, at the notice's level; returns the device. */
export async function resolveAndAnnounce(
  requested: RequestedDevice,
  log: (line: string, level: 'info' | 'warn') => void,
  environment: DeviceEnvironment = defaultDeviceEnvironment(),
): Promise<ComputeDevice> {
  const { device, notice, level } = await resolveDevice(requested, environment);
  if (notice !== null) log(notice, level);
  return device;
}

async function resolveAuto(environment: DeviceEnvironment): Promise<ResolvedDevice> {
  const skipped: string[] = [];
  for (const device of AUTO_DEVICE_ORDER) {
    const availability = await availabilityOf(device, environment);
    if (availability.available) return { device, notice: `device auto: running on ${DEVICE_TITLES[device]}`, level: 'info' };
    skipped.push(`${DEVICE_TITLES[device]}: ${availability.reason}`);
  }
  return { device: 'cpu', notice: `device auto: running on the CPU (${skipped.join('; ')})`, level: 'info' };
}

async function availabilityOf(device: GpuDevice, environment: DeviceEnvironment): Promise<Availability> {
  const precondition = preconditionOf(device, environment);
  if (!precondition.available) return precondition;
  const probe = await environment.probe(device);
  if (probe.available) return probe;
  return { available: false, reason: `the ${DEVICE_TITLES[device]} provider failed to start (${probe.reason})`, remedy: remedyAfterFailedProbe(device, environment) };
}

/** What must hold before a probe is worth a child process: the platform, and for CUDA its installed libraries. */
function preconditionOf(device: GpuDevice, { platform, arch, ortBinaryFolder, fileExists }: DeviceEnvironment): Availability {
  const where = `${platform}/${arch}`;
  switch (device) {
    case 'cuda': {
      if (where !== 'linux/x64') return { available: false, reason: `onnxruntime-node offers CUDA on Linux x64 only, not ${where}`, remedy: 'Use a Linux x64 machine with an NVIDIA GPU' };
      const missing = missingCudaLibrary(ortBinaryFolder, fileExists);
      if (missing === undefined) return { available: true };
      return {
        available: false,
        reason: `its provider library is not installed (${missing} is missing)`,
        remedy: 'Reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 (it needs CUDA 12 and cuDNN 9)',
      };
    }
    case 'dml':
      return platform === 'win32' ? { available: true } : { available: false, reason: `DirectML runs on Windows only, not ${platform}`, remedy: 'Pick "auto" to use what this machine has' };
    case 'coreml':
      return platform === 'darwin' ? { available: true } : { available: false, reason: `CoreML runs on macOS only, not ${platform}`, remedy: 'Pick "auto" to use what this machine has' };
    case 'webgpu':
      if (WEBGPU_BUNDLED.has(where)) return { available: true };
      return { available: false, reason: `onnxruntime-node ships no WebGPU provider for ${where}`, remedy: 'Pick "auto" to use what this machine has' };
  }
}

function remedyAfterFailedProbe(device: GpuDevice, { platform }: DeviceEnvironment): string {
  if (device === 'webgpu' && platform === 'linux') return 'On Linux WebGPU needs a Vulkan loader (libvulkan1) and the GPU\'s Vulkan driver';
  if (device === 'cuda') return 'Check that CUDA 12, cuDNN 9 and the NVIDIA driver are installed and on the library path';
  return `Update the GPU driver`;
}

// The prerequisite checks against real interpreters: a missing one, a Python without torch (the system Python started
// with -S, so its site-packages and torch are out of reach), and /usr/bin/python3's PyTorch asked for CUDA it lacks.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { placeTorchRun, probePython, type PythonProbe } from './python-probe.ts';

const PYTHON = '/usr/bin/python3';
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0;
if (torchMissing && process.env.CI === 'true') throw new Error(`${PYTHON} has no torch/numpy, and CI must run the torch runner for real: install python3-torch`);
if (torchMissing) console.warn(`skipping the torch probe tests that need PyTorch: ${PYTHON} has no torch (install python3-torch)`);

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-python-probe-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const cpu = { device: 'cpu', precision: 'float32' as const, nprocPerNode: undefined };

describe('probePython and placeTorchRun', () => {
  it('names a missing interpreter and how to install Python with PyTorch', async () => {
    await expect(probePython('/nonexistent/python3')).rejects.toThrow(/the Python interpreter "\/nonexistent\/python3" was not found\. Install Python 3 with PyTorch \(Debian\/Ubuntu: `sudo apt install python3 python3-torch python3-numpy`/);
  });

  it('refuses an interpreter that is not Python', async () => {
    await expect(probePython('/bin/false')).rejects.toThrow(/"\/bin\/false" exited with code 1 without answering a Python 3 probe/);
  });

  it('gives the pip and apt commands for a Python without torch', async () => {
    const bare = path.join(workDir, 'python-without-site');
    writeFileSync(bare, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    chmodSync(bare, 0o755);
    const probe = await probePython(bare);
    expect(probe.torchVersion).toBeNull();
    expect(probe.torchError).toMatch(/ModuleNotFoundError: No module named 'torch'/);
    expect(() => placeTorchRun(probe, bare, cpu)).toThrow(new RegExp(`has no PyTorch .*install it with \`${bare} -m pip install torch numpy\` \\(Debian/Ubuntu system Python: \`sudo apt install python3-torch python3-numpy\`\\)`));
  });

  it.skipIf(torchMissing)('resolves auto and the rank count on a CPU-only PyTorch, and refuses CUDA and bf16 there', async () => {
    const probe = await probePython(PYTHON);
    expect(probe.torchVersion).toMatch(/^\d+\.\d+/);
    expect(probe.executable).toMatch(/python3/);
    if (probe.cudaAvailable) return; // a GPU machine: the CUDA refusals below do not apply
    expect(placeTorchRun(probe, PYTHON, { ...cpu, device: 'auto' })).toEqual({ device: 'cpu', nprocPerNode: 1 });
    expect(placeTorchRun(probe, PYTHON, { ...cpu, nprocPerNode: 2 })).toEqual({ device: 'cpu', nprocPerNode: 2 });
    expect(() => placeTorchRun(probe, PYTHON, { ...cpu, device: 'cuda' })).toThrow(/device cuda was asked but \/usr\/bin\/python3 .* cannot use CUDA: its PyTorch .* (is a CPU-only build; install a CUDA build|sees no GPU)/);
    expect(() => placeTorchRun(probe, PYTHON, { ...cpu, precision: 'bf16' })).toThrow(/precision bf16 is autocast on CUDA GPUs; this run trains on the CPU, so use precision float32/);
  });
});

describe('placeTorchRun on a GPU machine (probe as torch reports it)', () => {
  const gpus: PythonProbe = { executable: '/venv/bin/python', pythonVersion: '3.11.2', torchVersion: '2.4.0', torchError: null, numpyError: null, cudaBuild: '12.1', cudaAvailable: true, gpuCount: 4, bf16Supported: false };
  it('starts one rank per GPU by default, refuses more ranks than GPUs and bf16 where the GPU lacks it', () => {
    expect(placeTorchRun(gpus, 'python', { ...cpu, device: 'auto' })).toEqual({ device: 'cuda', nprocPerNode: 4 });
    expect(() => placeTorchRun(gpus, 'python', { ...cpu, device: 'cuda', nprocPerNode: 8 })).toThrow(/nprocPerNode 8 asks for more ranks than this machine's 4 GPUs/);
    expect(() => placeTorchRun(gpus, 'python', { ...cpu, device: 'cuda', precision: 'bf16' })).toThrow(/this GPU has no bf16 support/);
    expect(() => placeTorchRun({ ...gpus, numpyError: "ModuleNotFoundError: No module named 'numpy'" }, 'python', cpu)).toThrow(/has PyTorch but no numpy/);
    expect(() => placeTorchRun(gpus, 'python', { ...cpu, device: 'webgpu' })).toThrow(/device "webgpu" is an ONNX Runtime device/);
  });
});

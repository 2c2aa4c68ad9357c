// Before any rank starts: is there a Python, does it have PyTorch (and numpy), can torch use CUDA, does the GPU do
// bf16. Each missing piece is one error naming the interpreter, the cause and the command that fixes it.

import { spawn } from 'node:child_process';
import type { TorchDevice, TorchPrecision } from './job-file.ts';

export interface PythonProbe {
  /** The interpreter's own path (sys.executable). */
  executable: string;
  pythonVersion: string;
  torchVersion: string | null;
  /** Why `import torch` failed, when it did. */
  torchError: string | null;
  numpyError: string | null;
  /** torch.version.cuda: null for a CPU-only build. */
  cudaBuild: string | null;
  cudaAvailable: boolean;
  gpuCount: number;
  bf16Supported: boolean;
}

const PROBE_SCRIPT = `
import json, sys
out = {"executable": sys.executable, "pythonVersion": sys.version.split()[0], "torchVersion": None, "torchError": None,
       "numpyError": None, "cudaBuild": None, "cudaAvailable": False, "gpuCount": 0, "bf16Supported": False}
try:
    import numpy
except Exception as error:
    out["numpyError"] = f"{type(error).__name__}: {error}"
try:
    import torch
    out["torchVersion"] = torch.__version__
    out["cudaBuild"] = torch.version.cuda
    out["cudaAvailable"] = bool(torch.cuda.is_available())
    if out["cudaAvailable"]:
        out["gpuCount"] = torch.cuda.device_count()
        out["bf16Supported"] = bool(torch.cuda.is_bf16_supported())
except Exception as error:
    out["torchError"] = f"{type(error).__name__}: {error}"
print("CRUCIBLE_PROBE " + json.dumps(out))
`;

/** The install hint for PyTorch into this interpreter. */
function installTorchHint(python: string): string {
  return `install it with \`${python} -m pip install torch numpy\` (Debian/Ubuntu system Python: \`sudo apt install python3-torch python3-numpy\`), or set the node's python field to an interpreter that has it (a virtual environment's bin/python)`;
}

/** Runs the interpreter once and reports what it has; throws a clear error when it cannot be run at all. */
export function probePython(python: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<PythonProbe> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', PROBE_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, timeout: options.timeoutMs ?? 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new Error(`torch runner: the Python interpreter "${python}" was not found. Install Python 3 with PyTorch (Debian/Ubuntu: \`sudo apt install python3 python3-torch python3-numpy\`; elsewhere python.org, then \`python3 -m pip install torch numpy\`), or set the node's python field to the path of an interpreter that has torch`));
      } else if (error.name === 'AbortError') {
        reject(error);
      } else {
        reject(new Error(`torch runner: could not run "${python}": ${error.message}; set the node's python field to a Python 3 interpreter`));
      }
    });
    child.on('close', (code, signal) => {
      const line = stdout.split('\n').find((entry) => entry.startsWith('CRUCIBLE_PROBE '));
      if (line === undefined) {
        const why = signal !== null ? `was stopped by ${signal}` : `exited with code ${code}`;
        reject(new Error(`torch runner: "${python}" ${why} without answering a Python 3 probe (${lastLines(stderr, 5) || 'no output'}); set the node's python field to a Python 3 interpreter`));
        return;
      }
      resolve(JSON.parse(line.slice('CRUCIBLE_PROBE '.length)) as PythonProbe);
    });
  });
}

export interface TorchPlacement {
  device: TorchDevice;
  /** Ranks on this machine. */
  nprocPerNode: number;
}

/**
 * Checks the probe against what the run asks, and resolves `auto` (CUDA when torch sees a GPU) and the rank count
 * (every GPU on CUDA, else 1, when nprocPerNode is empty).
 */
export function placeTorchRun(probe: PythonProbe, python: string, ask: { device: string; precision: TorchPrecision; nprocPerNode: number | undefined }): TorchPlacement {
  const interpreter = `${python} (${probe.executable}, Python ${probe.pythonVersion})`;
  if (probe.torchVersion === null) throw new Error(`torch runner: ${interpreter} has no PyTorch (${probe.torchError}); ${installTorchHint(python)}`);
  if (probe.numpyError !== null) throw new Error(`torch runner: ${interpreter} has PyTorch but no numpy (${probe.numpyError}); ${installTorchHint(python)}`);
  if (ask.device !== 'auto' && ask.device !== 'cpu' && ask.device !== 'cuda') {
    throw new Error(`torch runner: device "${ask.device}" is an ONNX Runtime device; the torch runner trains on cpu or cuda (or auto)`);
  }
  const device: TorchDevice = ask.device === 'auto' ? (probe.cudaAvailable ? 'cuda' : 'cpu') : ask.device;
  if (device === 'cuda' && !probe.cudaAvailable) {
    const why = probe.cudaBuild === null
      ? `its PyTorch ${probe.torchVersion} is a CPU-only build; install a CUDA build (\`${python} -m pip install torch --index-url https://download.pytorch.org/whl/cu121\`)`
      : `its PyTorch ${probe.torchVersion} (CUDA ${probe.cudaBuild}) sees no GPU: check \`nvidia-smi\`, the NVIDIA driver and CUDA_VISIBLE_DEVICES`;
    throw new Error(`torch runner: device cuda was asked but ${interpreter} cannot use CUDA: ${why}; or set device to cpu`);
  }
  if (ask.precision === 'bf16' && device !== 'cuda') throw new Error('torch runner: precision bf16 is autocast on CUDA GPUs; this run trains on the CPU, so use precision float32');
  if (ask.precision === 'bf16' && !probe.bf16Supported) throw new Error('torch runner: precision bf16 was asked but this GPU has no bf16 support (torch.cuda.is_bf16_supported() is false); use precision float32');
  const nprocPerNode = ask.nprocPerNode ?? (device === 'cuda' ? probe.gpuCount : 1);
  if (device === 'cuda' && nprocPerNode > probe.gpuCount) {
    throw new Error(`torch runner: nprocPerNode ${nprocPerNode} asks for more ranks than this machine's ${probe.gpuCount} GPU${probe.gpuCount === 1 ? '' : 's'} (one rank per GPU); lower it or leave it empty`);
  }
  return { device, nprocPerNode };
}

export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

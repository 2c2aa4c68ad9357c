// Asks ONNX Runtime whether an execution provider really works here: a child process creates a one-node session on
// it and runs it once. A child, because a GPU driver may hang or crash the process that initialises it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { encodeModel } from '../onnx/encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS } from '../onnx/model-proto.ts';
import { DEVICE_TITLES, type ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import { executionProvidersFor } from './session-options.ts';

export type ProviderProbeResult = { available: true } | { available: false; reason: string };

export interface ProbeOptions {
  /** How long the child may take to load ORT, initialise the provider and run; a GPU's first start can be slow. */
  timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 20_000;
const MAX_REASON_CHARS = 240;

/** The folder onnxruntime-node loads its native libraries from; optional provider libraries are installed there. */
export function ortBinaryFolder(platform: string = process.platform, arch: string = process.arch): string {
  const packageMain = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.join(path.dirname(packageMain), '..', 'bin', 'napi-v6', platform, arch);
}

/** The libraries onnxruntime-node's CUDA provider loads from its binary folder; its default install leaves them out. */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/**
 * The first CUDA provider library missing from `folder`, as a path; undefined when all are there. Checked before ORT
 * is ever asked for CUDA: its native loader aborts the whole process on a missing library now and then (an uncaught
 * C++ exception, seen in worker threads), where this check gives an error the caller can handle.
 */
export function missingCudaLibrary(folder: string = ortBinaryFolder(), fileExists: (file: string) => boolean = existsSync): string | undefined {
  return CUDA_PROVIDER_LIBRARIES.map((name) => path.join(folder, name)).find((file) => !fileExists(file));
}

/** x @ x for x = [[1, 2], [3, 4]]: small, but a MatMul every GPU provider has a kernel for. */
function probeModelBytes(): Uint8Array {
  return encodeModel({
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: DEFAULT_OPSETS,
    producerName: 'crucible-provider-probe',
    graph: {
      name: 'provider-probe',
      nodes: [{ name: 'square', opType: 'MatMul', domain: '', inputs: ['x', 'x'], outputs: ['y'], attributes: {} }],
      initializers: [],
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 2] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2, 2] }],
    },
  });
}

/** CommonJS run by `node -e`; prints one JSON line: {ok:true} or {ok:false,error}. */
function probeScript(device: ComputeDevice): string {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const model = Buffer.from(probeModelBytes()).toString('base64');
  return `
const ort = require(${JSON.stringify(ortPath)});
const say = (answer) => process.stdout.write(JSON.stringify(answer) + '\\n', () => process.exit(answer.ok ? 0 : 1));
(async () => {
  const session = await ort.InferenceSession.create(Buffer.from(${JSON.stringify(model)}, 'base64'), { executionProviders: ${JSON.stringify(executionProvidersFor(device))} });
  const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
  if (Array.from(y.data).join(',') !== '7,10,15,22') throw new Error('the probe computed ' + Array.from(y.data).join(','));
  say({ ok: true });
})().catch((error) => say({ ok: false, error: String(error && error.message || error) }));
`;
}

export function probeExecutionProvider(device: ComputeDevice, options: ProbeOptions = {}): Promise<ProviderProbeResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    // Inside Electron, execPath is the app binary; this makes it behave as plain Node.js.
    const child = spawn(process.execPath, ['-e', probeScript(device)], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ available: false, reason: `the ${DEVICE_TITLES[device]} provider did not start within ${timeoutMs} ms` });
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ available: false, reason: `the provider probe could not start: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(answerFrom(stdout, stderr, code, signal));
    });
  });
}

function answerFrom(stdout: string, stderr: string, code: number | null, signal: NodeJS.Signals | null): ProviderProbeResult {
  try {
    const answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { ok: boolean; error?: string };
    if (answer.ok && code === 0) return { available: true };
    if (answer.error !== undefined) return { available: false, reason: conciseOrtError(answer.error) };
  } catch {
    // No answer: the child died before printing one; its exit and stderr say why.
  }
  const exit = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  const detail = stderr.trim() === '' ? '' : `: ${conciseOrtError(stderr)}`;
  return { available: false, reason: `the provider probe ${exit}${detail}` };
}

/** ORT's messages start with a source path and assertion; the readable part starts at "Failed to ..." when present. */
export function conciseOrtError(message: string): string {
  const oneLine = message.replace(/\x1b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim();
  const readableStart = oneLine.search(/Failed to |no available backend/);
  const readable = readableStart >= 0 ? oneLine.slice(readableStart) : oneLine;
  return readable.length > MAX_REASON_CHARS ? `${readable.slice(0, MAX_REASON_CHARS - 1)}…` : readable;
}

const probesThisProcess = new Map<ComputeDevice, Promise<ProviderProbeResult>>();

/** Probes each provider at most once per process: whether a GPU works does not change while the engine runs. */
export function probeExecutionProviderOnce(device: ComputeDevice): Promise<ProviderProbeResult> {
  let probe = probesThisProcess.get(device);
  if (probe === undefined) {
    probe = probeExecutionProvider(device);
    probesThisProcess.set(device, probe);
  }
  return probe;
}

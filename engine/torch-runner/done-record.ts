// The trainer's completion record, `outDir/done.json` (crucible_torch/train.py DONE_RECORD). The trainer writes it
// last, after model.safetensors (and a LoRA run's adapters.safetensors): the SHA-256 of the JOB.json bytes it ran,
// the SHA-256 of each output and the run's metrics. A cluster's result reaches the engine only through it, so weights
// that an earlier job left in a launch folder's out/ are never taken for the job launched there since.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { readJsonObjectFile } from '../files/json-text.ts';

export const TORCH_DONE_FILE = 'done.json';
const DONE_RECORD_VERSION = 1;

export interface TorchDoneRecord {
  version: typeof DONE_RECORD_VERSION;
  /** The SHA-256 of the JOB.json bytes the trainer read; null when it was not given a file. */
  jobSha256: string | null;
  /** The trainer's fingerprint of the run (what its checkpoints resume under). */
  fingerprint: string;
  step: number;
  worldSize: number;
  /** Each output's file name in outDir → its SHA-256. */
  files: Record<string, string>;
  /** Final loss, trainLoss, valLoss, tokensPerSec and steps, as the `done` event's. */
  metrics: Record<string, number>;
}

/** outDir's completion record, or null when the trainer has not written one there. Throws when it is damaged. */
export function readTorchDoneRecord(outDir: string): TorchDoneRecord | null {
  const file = path.join(outDir, TORCH_DONE_FILE);
  if (!existsSync(file)) return null;
  const remedy = `copy the job's out/ folder back again, whole, or delete ${file} and run the job again`;
  const record = readJsonObjectFile(file, { expected: "the PyTorch trainer's completion record", remedy });
  if (record.version !== DONE_RECORD_VERSION || typeof record.files !== 'object' || record.files === null) {
    throw new Error(`${file} is not a version ${DONE_RECORD_VERSION} completion record of the PyTorch trainer; ${remedy}`);
  }
  return { ...(record as unknown as TorchDoneRecord), metrics: finiteNumbers(record.metrics) };
}

/** The SHA-256 of a job's text or file bytes, as the trainer computes it from the file it reads. */
export function jobSha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function finiteNumbers(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

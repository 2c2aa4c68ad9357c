// Resumable training checkpoints: parameters, Adam moments, the step, the dropout generator and the data sampler's
// position in one safetensors file, replaced atomically (temp file, fsync, rename) so a crash never leaves a torn one.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TrainStepSessionState } from './step/step-session.ts';
import { readSafetensors, writeSafetensors } from '../export/safetensors.ts';
import { removeTempFilesOfDeadWriters } from '../../files/atomic-file.ts';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const METADATA_KEY = 'crucible.checkpoint';
const CHECKPOINT_VERSION = 1;

export interface TrainingCheckpoint {
  /** Optimizer steps completed. */
  step: number;
  session: TrainStepSessionState;
  samplerState: number;
  /** Identifies the settings and data the run trains on; a resume with another fingerprint is refused. */
  fingerprint: string;
  /** The last measured losses, so a resumed run reports them before its next evaluation. */
  metrics: Record<string, number>;
}

interface CheckpointMetadata {
  version: number;
  step: number;
  stepCount: number;
  dropoutRandomState: number;
  samplerState: number;
  fingerprint: string;
  metrics: Record<string, number>;
}

export function writeCheckpoint(folder: string, checkpoint: TrainingCheckpoint): string {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, CHECKPOINT_FILE);
  const metadata: CheckpointMetadata = {
    version: CHECKPOINT_VERSION,
    step: checkpoint.step,
    stepCount: checkpoint.session.stepCount,
    dropoutRandomState: checkpoint.session.dropoutRandomState,
    samplerState: checkpoint.samplerState,
    fingerprint: checkpoint.fingerprint,
    metrics: checkpoint.metrics,
  };
  writeSafetensors(file, checkpoint.session.tensors, { [METADATA_KEY]: JSON.stringify(metadata) });
  // A writer killed mid-write leaves its temp file; once a newer checkpoint is complete those are garbage.
  removeTempFilesOfDeadWriters(file);
  return file;
}

/** The folder's checkpoint, or null when there is none. Stray temp files from a crash are ignored. */
export function readCheckpoint(folder: string): TrainingCheckpoint | null {
  const file = path.join(folder, CHECKPOINT_FILE);
  if (!existsSync(file)) return null;
  const { tensors, metadata } = readSafetensors(file);
  const raw = metadata[METADATA_KEY];
  if (raw === undefined) throw new Error(`${file}: not a Crucible checkpoint (no "${METADATA_KEY}" metadata); delete it to start over`);
  const saved = JSON.parse(raw) as CheckpointMetadata;
  if (saved.version !== CHECKPOINT_VERSION) throw new Error(`${file}: checkpoint version ${saved.version} is not ${CHECKPOINT_VERSION}; delete it to start over`);
  return {
    step: saved.step,
    session: { tensors, stepCount: saved.stepCount, dropoutRandomState: saved.dropoutRandomState },
    samplerState: saved.samplerState,
    fingerprint: saved.fingerprint,
    metrics: saved.metrics,
  };
}

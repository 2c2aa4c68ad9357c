// Resumable training checkpoints: parameters, Adam moments, the step, the dropout generator and the data sampler's
// position in one safetensors file, replaced atomically (temp file, fsync, rename) so a crash never leaves a torn one.
// A checkpoint that cannot be read or holds metadata out of shape is refused with its path and the one remedy that
// fits a resume point: delete the run's checkpoint folder and train from step 0 (re-exporting is not one).

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { TrainStepSessionState } from './step/step-session.ts';
import { DamagedSafetensorsError, readSafetensors, writeSafetensors } from '../export/safetensors.ts';
import { parseJsonText } from '../../files/json-text.ts';
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

/** A number field, saying whether it is missing or of another type. */
const number = () => z.number({ error: (issue) => (issue.input === undefined ? 'is missing' : `must be a number, not ${JSON.stringify(issue.input)}`) });
/** A step or count: a whole number, never negative. */
const count = number().int('must be a whole number').nonnegative('must not be negative');
/** A generator's position (`Random.snapshot()`): an unsigned 32-bit integer. */
const generatorState = number().int('must be a whole number').min(0, 'must not be negative').max(0xffffffff, 'must fit in 32 bits');

const checkpointMetadataSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  step: count,
  stepCount: count,
  dropoutRandomState: generatorState,
  samplerState: generatorState,
  fingerprint: z.string(),
  // JSON writes a non-finite metric (a rate over no time) as null; it is dropped rather than refusing the checkpoint.
  metrics: z.record(z.string(), z.number().nullable()),
});
type CheckpointMetadata = z.input<typeof checkpointMetadataSchema>;

/** The run reading a checkpoint: one with its fingerprint must lie within its steps. */
export interface CheckpointReader {
  fingerprint: string;
  maxSteps: number;
}

/** Writes the folder's checkpoint; a write that fails (a full disk) throws naming the file, the earlier checkpoint kept. */
export function writeCheckpoint(folder: string, checkpoint: TrainingCheckpoint): string {
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
  try {
    mkdirSync(folder, { recursive: true });
    writeSafetensors(file, checkpoint.session.tensors, { [METADATA_KEY]: JSON.stringify(metadata) });
  } catch (error) {
    throw new Error(`could not write the training checkpoint ${file} at step ${checkpoint.step} (${(error as Error).message}); make room on its disk or fix what the error names, then run the training again: it resumes from the last complete checkpoint in ${folder}, if there is one`, { cause: error });
  }
  // A writer killed mid-write leaves its temp file; once a newer checkpoint is complete those are garbage.
  removeTempFilesOfDeadWriters(file);
  return file;
}

/**
 * The folder's checkpoint, or null when there is none. Stray temp files from a crash are ignored. With `run`, a
 * checkpoint of that run (its fingerprint, which covers maxSteps) past maxSteps is refused as damaged; one of other
 * settings comes back for the caller to ignore.
 */
export function readCheckpoint(folder: string, run?: CheckpointReader): TrainingCheckpoint | null {
  const file = path.join(folder, CHECKPOINT_FILE);
  if (!existsSync(file)) return null;
  const refuse = (problem: string, cause?: unknown) =>
    new Error(`${file}: the training checkpoint ${problem}; delete ${folder} (this training's checkpoint folder: it holds only the resume point) to start this training over from step 0`, { cause });
  let content: ReturnType<typeof readSafetensors>;
  try {
    content = readSafetensors(file);
  } catch (error) {
    throw refuse(`cannot be read (${readProblem(file, error)})`, error);
  }
  const saved = metadataOf(content.metadata, refuse);
  if (run !== undefined && saved.fingerprint === run.fingerprint && saved.step > run.maxSteps) throw refuse(`is at step ${saved.step}, past this run's ${run.maxSteps} steps`);
  return {
    step: saved.step,
    session: { tensors: content.tensors, stepCount: saved.stepCount, dropoutRandomState: saved.dropoutRandomState },
    samplerState: saved.samplerState,
    fingerprint: saved.fingerprint,
    metrics: Object.fromEntries(Object.entries(saved.metrics).filter((entry): entry is [string, number] => entry[1] !== null)),
  };
}

/** The checkpoint's metadata, parsed and checked field by field. */
function metadataOf(metadata: Record<string, string>, refuse: (problem: string) => Error): z.output<typeof checkpointMetadataSchema> {
  const raw = metadata[METADATA_KEY];
  if (raw === undefined) throw refuse(`has no "${METADATA_KEY}" metadata: it is not a Crucible checkpoint`);
  const parsed = parseJsonText(raw);
  if (!parsed.ok) throw refuse(`metadata "${METADATA_KEY}" is ${parsed.problem}`);
  const version = (parsed.value as { version?: unknown } | null)?.version;
  if (version !== CHECKPOINT_VERSION) throw refuse(`is version ${JSON.stringify(version)}, and this Crucible reads version ${CHECKPOINT_VERSION}`);
  const checked = checkpointMetadataSchema.safeParse(parsed.value);
  if (!checked.success) throw refuse(`metadata "${METADATA_KEY}" is damaged: ${checked.error.issues.map((issue) => `${issue.path.join('.') || 'the value'}: ${issue.message}`).join('; ')}`);
  return checked.data;
}

/**
 * Why the safetensors reader refused the file, without its path (the message names it already) or its remedy, which
 * is for model weights ("re-export or re-download it") and wrong for a checkpoint.
 */
function readProblem(file: string, error: unknown): string {
  if (error instanceof DamagedSafetensorsError) return error.reason;
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

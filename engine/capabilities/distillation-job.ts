// The engine side of the distill node: turns its config into a training job with a teacher (the student's context
// defaults to the teacher's), runs it on the ML worker thread, and keeps checkpoints per (data, teacher, settings).

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DistillConfig, DistillRequest, DistillResult, JobHooks } from '../../nodes/capabilities/training.ts';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import type { ComputeDevice } from '../../app/protocol/compute-devices.ts';
import { readModelConfig } from '../ml/export/model-folder.ts';
import { runMlJob } from '../ml/train/run-ml-job.ts';
import { tokensArtifactPaths } from '../ml/train/tokens-artifact.ts';
import { trainingFingerprint, type TrainingSettings } from '../ml/train/training-settings.ts';
import type { SampleFieldName } from '../../nodes/shared/fields.ts';
import type { Expect, SameFields } from './same-fields.ts';
import { sampleJobFrom } from './sample-job.ts';

export async function runDistillation(request: DistillRequest, hooks: JobHooks & { onStep(report: TrainingStepReport): void }, device: ComputeDevice): Promise<DistillResult> {
  const teacherContext = readModelConfig(request.teacherFolder).blockSize;
  const settings = studentSettingsFrom(request.config, teacherContext);
  const { temperature, alpha, initFromTeacher } = request.config;
  const distillation = { teacherFolder: request.teacherFolder, teacherKey: request.teacherKey, temperature, alpha, initFromTeacher };
  const tokens = tokensArtifactPaths(request.tokensFolder);
  const checkpointDir = path.join(request.dataDir, 'checkpoints', 'distill', trainingFingerprint(settings, { tokens: request.tokensKey, distillation }));
  const outcome = await runMlJob(
    {
      kind: 'distill',
      training: { settings, trainShard: tokens.trainBase, valShard: tokens.valBase, checkpointDir, device, distillation, sample: sampleJobFrom(request.config, tokens.tokenizerJson) },
      export: { folder: request.outputFolder, tokenizerJsonPath: tokens.tokenizerJson, tokenizerConfigJsonPath: tokens.tokenizerConfigJson, provenance: { ...request.provenance, device } },
    },
    { signal: hooks.signal, onStep: hooks.onStep, onLog: (line) => hooks.log(line, line.startsWith('warning:') ? 'warn' : 'info') },
  );
  await rm(checkpointDir, { recursive: true, force: true });
  return outcome;
}

/** The student's training settings; an empty blockSize takes the teacher's, and a longer one is refused. */
export function studentSettingsFrom(config: DistillConfig, teacherContext: number): TrainingSettings {
  const { temperature: _t, alpha: _a, initFromTeacher: _i, device: _d, blockSize, samplePrompt: _sp, sampleTokens: _st, ...settings } = config;
  const studentContext = blockSize ?? teacherContext;
  if (studentContext > teacherContext) {
    throw new Error(`distill: blockSize ${studentContext} is longer than the teacher's context (${teacherContext}); the teacher cannot score positions it never saw, so set blockSize to ${teacherContext} or less`);
  }
  return { ...settings, blockSize: studentContext };
}

/**
 * The distill node's config less the distillation's own fields and the device, with its context resolved, has the
 * trainer's settings' fields, so neither can drift from the other.
 */
export type StudentSettingsMatch = Expect<SameFields<Omit<DistillConfig, 'temperature' | 'alpha' | 'initFromTeacher' | 'device' | 'blockSize' | SampleFieldName> & { blockSize: number }, TrainingSettings>>;

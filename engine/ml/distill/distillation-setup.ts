// Everything a distillation run adds to pretraining: the teacher (read from its model folder), its log-probability
// session, the student's starting weights, the objective, and the identity that keeps checkpoints per teacher.

import type { Gpt2Config } from '../gpt2/config.ts';
import { requireGpt2 } from '../model-config.ts';
import type { DistillationObjective } from '../train/step/distillation-loss.ts';
import { initGpt2Parameters, parameterCount, type ParameterSet } from '../gpt2/parameters.ts';
import { readModelFolder } from '../export/model-folder.ts';
import { checkTokensTokenizer } from '../train/tokenizer-lineage.ts';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';
import type { BatchShape } from '../train/token-windows.ts';
import { initFromTeacher } from './init-from-teacher.ts';
import { TeacherLogProbs } from './teacher-log-probs.ts';

/** The distill node's part of a training job; the rest is the same as pretraining's. */
export interface DistillationJob extends DistillationObjective {
  /** The teacher's model artifact folder (Hugging Face layout). */
  teacherFolder: string;
  /** The teacher artifact's key: a different teacher never resumes another's checkpoint. */
  teacherKey: string;
  initFromTeacher: boolean;
}

export interface OpenDistillation {
  objective: DistillationObjective;
  teacherConfig: Gpt2Config;
  teacherParameters: ParameterSet;
  teacher: TeacherLogProbs;
  /** The student's first weights when they came from the teacher; undefined keeps the seeded init. */
  initialParameters: ParameterSet | undefined;
  /** Enters the training fingerprint. */
  identity: Record<string, unknown>;
  release(): Promise<void>;
}

export async function openDistillation(
  job: DistillationJob,
  student: Gpt2Config,
  chunkShape: BatchShape,
  run: { seed: number; threads: number; device?: ComputeDevice; tokensTokenizerHash: string },
  log: (line: string) => void,
): Promise<OpenDistillation> {
  const teacherModel = readModelFolder(job.teacherFolder);
  const teacherConfig = requireGpt2(teacherModel.config, 'distillation (the teacher)');
  // The tokens must come from the tokenizer the teacher was trained with: the same vocabulary and the same ids.
  checkTokensTokenizer({ folder: job.teacherFolder, tokenizerJson: teacherModel.tokenizerJson }, run.tokensTokenizerHash, {
    missing: `distill: the teacher model ${job.teacherFolder} has no tokenizer.json, so it cannot be checked against the tokens input; train the teacher from a tokenizer node's tokens`,
    differs: 'distill: teacher and student must share the tokenizer, but the tokens input was made by a different tokenizer than the teacher was trained with; connect distill\'s tokens to the same tokenizer node that feeds the teacher\'s pretrain',
  });
  if (teacherConfig.vocabSize !== student.vocabSize) {
    throw new Error(
      `distill: the teacher's vocabulary (${teacherConfig.vocabSize} tokens) differs from the tokens input's (${student.vocabSize}); teacher and student must share the tokenizer, so feed distill the tokens made by the tokenizer the teacher was trained on`,
    );
  }
  const teacherCount = parameterCount(teacherConfig);
  const studentCount = parameterCount(student);
  if (studentCount >= teacherCount) {
    log(`warning: the student (${studentCount.toLocaleString('en-US')} parameters) is not smaller than the teacher (${teacherCount.toLocaleString('en-US')}); distillation usually trains a smaller model`);
  }
  const initialParameters = job.initFromTeacher ? studentStart(student, teacherConfig, teacherModel.parameters, run.seed, log) : undefined;
  const teacher = await TeacherLogProbs.create(teacherConfig, teacherModel.parameters, chunkShape, job.temperature, run.threads, run.device);
  return {
    objective: { temperature: job.temperature, alpha: job.alpha },
    teacherConfig,
    teacherParameters: teacherModel.parameters,
    teacher,
    initialParameters,
    identity: { teacherKey: job.teacherKey, temperature: job.temperature, alpha: job.alpha, initFromTeacher: job.initFromTeacher },
    release: () => teacher.release(),
  };
}

function studentStart(student: Gpt2Config, teacher: Gpt2Config, teacherParameters: ParameterSet, seed: number, log: (line: string) => void): ParameterSet | undefined {
  const result = initFromTeacher(student, initGpt2Parameters(student, seed), teacher, teacherParameters);
  if (result.skippedBecause !== null) {
    log(`initFromTeacher: the student starts from its own seeded weights because ${result.skippedBecause}`);
    return undefined;
  }
  log(`initFromTeacher: the student starts with the teacher's embeddings, final LayerNorm and blocks ${result.layerMap.join(', ')}`);
  return result.parameters;
}

// What a distill run reports: teacher and student side by side — parameter counts, val loss on the same windows,
// and batch-1 decode speed of each exported decoder, measured alternately so machine load hits both alike.

import { readFileSync } from 'node:fs';
import { requireGpt2 } from '../model-config.ts';
import path from 'node:path';
import { DecoderSession } from '../export/decoder-session.ts';
import { MODEL_FILES, readModelConfig } from '../export/model-folder.ts';
import { parameterCount } from '../gpt2/parameters.ts';
import { interleavedDecodeSpeeds } from '../quantize/decoder-measures.ts';
import type { DistillationReport } from '../../../app/artifacts/reports.ts';

const DECODE_TOKENS = 64;
const DECODE_ROUNDS = 3;

export async function distillationReport(teacherFolder: string, studentFolder: string, valLoss: { teacher: number; student: number }): Promise<DistillationReport> {
  const teacherConfig = requireGpt2(readModelConfig(teacherFolder), 'distillation');
  const studentConfig = requireGpt2(readModelConfig(studentFolder), 'distillation');
  const teacherDecoder = await DecoderSession.create(teacherConfig, readFileSync(path.join(teacherFolder, MODEL_FILES.decoder)));
  const studentDecoder = await DecoderSession.create(studentConfig, readFileSync(path.join(studentFolder, MODEL_FILES.decoder)));
  try {
    const [teacherRate, studentRate] = await interleavedDecodeSpeeds(teacherDecoder, studentDecoder, DECODE_TOKENS, DECODE_ROUNDS);
    const teacherSide = { parameters: parameterCount(teacherConfig), valLoss: valLoss.teacher, decodeTokensPerSec: teacherRate };
    const studentSide = { parameters: parameterCount(studentConfig), valLoss: valLoss.student, decodeTokensPerSec: studentRate };
    return {
      teacher: teacherSide,
      student: studentSide,
      parameterRatio: studentSide.parameters / teacherSide.parameters,
      decodeSpeedup: studentSide.decodeTokensPerSec / teacherSide.decodeTokensPerSec,
    };
  } finally {
    await Promise.all([teacherDecoder.release(), studentDecoder.release()]);
  }
}

// What a distill run reports: teacher and student side by side — parameter counts, val loss on the same windows,
// and batch-1 decode speed of each exported decoder, measured alternately so machine load hits both alike.

import { readFileSync } from 'node:fs';
import { Gpt2DecoderSession } from '../export/decoder-session.ts';
import { readModelFolder } from '../export/model-folder.ts';
import { parameterCount } from '../gpt2/parameters.ts';
import { decodeTokensPerSecond } from '../quantize/decoder-measures.ts';
import type { DistillationReport } from '../../../nodes/services/training-service.ts';

/** What the distill node receives (nodes/services). */
export type { DistillationReport } from '../../../nodes/services/training-service.ts';

const DECODE_TOKENS = 64;
const DECODE_ROUNDS = 3;

export async function distillationReport(teacherFolder: string, studentFolder: string, valLoss: { teacher: number; student: number }): Promise<DistillationReport> {
  const teacher = readModelFolder(teacherFolder);
  const student = readModelFolder(studentFolder);
  const teacherDecoder = await Gpt2DecoderSession.create(teacher.config, readFileSync(teacher.decoderPath));
  const studentDecoder = await Gpt2DecoderSession.create(student.config, readFileSync(student.decoderPath));
  try {
    const rates = { teacher: [] as number[], student: [] as number[] };
    for (let round = 0; round < DECODE_ROUNDS; round++) {
      rates.teacher.push(await decodeTokensPerSecond(teacherDecoder, DECODE_TOKENS, 1));
      rates.student.push(await decodeTokensPerSecond(studentDecoder, DECODE_TOKENS, 1));
    }
    const teacherSide = { parameters: parameterCount(teacher.config), valLoss: valLoss.teacher, decodeTokensPerSec: median(rates.teacher) };
    const studentSide = { parameters: parameterCount(student.config), valLoss: valLoss.student, decodeTokensPerSec: median(rates.student) };
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

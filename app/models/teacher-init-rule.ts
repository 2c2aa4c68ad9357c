// Which students can start from their teacher's weights (distill's `initFromTeacher`), as DistilGPT2 started from
// GPT-2: the same width, no more layers than the teacher, and the same vocabulary. One rule for both sides: the
// engine copies the weights only when it holds (engine/ml/distill/init-from-teacher.ts), and pipeline validation
// warns before the run when the shapes already rule it out (app/graph/teacher-init.ts).

export interface TeacherInitShape {
  nEmbd: number;
  nLayer: number;
  /** Compared when both sides know it; pipeline validation does not (it comes from the tokenizer at run time). */
  vocabSize?: number;
}

/**
 * Why a student of shape `student` cannot start from the teacher's weights, or null when it can. `teacherName` words
 * the teacher in the reason (validation names its node).
 */
export function teacherInitObstacle(student: TeacherInitShape, teacher: TeacherInitShape, teacherName = 'the teacher'): string | null {
  if (student.nEmbd !== teacher.nEmbd) return `the student's width (nEmbd ${student.nEmbd}) differs from ${teacherName}'s (${teacher.nEmbd})`;
  if (student.nLayer > teacher.nLayer) return `the student has more layers (${student.nLayer}) than ${teacherName} (${teacher.nLayer})`;
  if (student.vocabSize !== undefined && teacher.vocabSize !== undefined && student.vocabSize !== teacher.vocabSize) {
    return `the student's vocabulary (${student.vocabSize} tokens) differs from ${teacherName}'s (${teacher.vocabSize})`;
  }
  return null;
}

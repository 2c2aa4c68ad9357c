// The "needs attention" state of an opened file: problems that mean the file is not what this studio would write
// (unknown node types kept as placeholders, removed ports, failed migrations). Nothing is dropped to hide them.
import { FILE_PROBLEM_CODES, type ProblemCode, type ValidationProblem } from '../../../app/graph/problems.ts';
import type { PipelineDocument } from '../../../app/pipeline/document.ts';

const ATTENTION_CODES: ReadonlySet<ProblemCode> = new Set<ProblemCode>(FILE_PROBLEM_CODES);

export interface Attention {
  fileName: string | null;
  problems: ValidationProblem[];
  /** The file's format version when it was upgraded on open; saving writes the current version. */
  migratedFrom?: number;
  /** The graph could not be read at all: the canvas stays empty and saving over the file is refused. */
  blocking: boolean;
}

export function attentionOf(document: PipelineDocument, fileName: string | null): Attention | null {
  const problems = document.problems.filter((problem) => ATTENTION_CODES.has(problem.code));
  const blocking = document.pipeline === null;
  if (problems.length === 0 && document.migratedFrom === undefined && !blocking) return null;
  return { fileName, problems: blocking ? document.problems : problems, migratedFrom: document.migratedFrom, blocking };
}

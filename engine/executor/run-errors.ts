// Errors a run request is refused with before anything runs: an invalid pipeline (structured problems the CLI and
// canvas show per node) or a request that names things the pipeline does not have.
import { formatProblem, type ValidationProblem } from '../../app/graph/problems.ts';

export class PipelineInvalidError extends Error {
  override name = 'PipelineInvalidError';
  readonly problems: ValidationProblem[];

  constructor(problems: ValidationProblem[]) {
    const lines = problems.map((problem) => `  ${formatProblem(problem)}`).join('\n');
    super(`the pipeline cannot run: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the nodes it needs\n${lines}`);
    this.problems = problems;
  }
}

/** A target, override or forced node that does not exist, or a run id already in use. */
export class RunRequestError extends Error {
  override name = 'RunRequestError';
}

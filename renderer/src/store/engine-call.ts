// How store actions call the engine: a missing connection or a failed call becomes a notice that says what could
// not be done and why (with the engine's validation problems), and the action gets null.
import { formatProblem, type ValidationProblem } from '../../../app/graph/problems.ts';
import { EngineRequestError, type EngineApi } from '../api/engine-client.ts';
import type { GetState } from './slice-tools.ts';

const PROBLEMS_SHOWN = 3;

export function describeEngineError(error: unknown): string {
  if (error instanceof EngineRequestError && error.problems.length > 0) return `${error.message}: ${describeProblems(error.problems)}`;
  return error instanceof Error ? error.message : String(error);
}

/** The first few problems as one line, and how many more there are. */
export function describeProblems(problems: readonly ValidationProblem[]): string {
  const shown = problems.slice(0, PROBLEMS_SHOWN).map(formatProblem).join('; ');
  const more = problems.length > PROBLEMS_SHOWN ? ` (and ${problems.length - PROBLEMS_SHOWN} more)` : '';
  return `${shown}${more}`;
}

/** Runs `call` against the attached engine; `what` completes "Cannot …" in the notice when it fails. */
export async function withEngine<T>(get: GetState, what: string, call: (engine: EngineApi) => Promise<T>): Promise<T | null> {
  const { engine, notify } = get();
  if (!engine) {
    notify('error', `Cannot ${what}: not connected to an engine. Run "crucible studio" and open the link it prints`);
    return null;
  }
  try {
    return await call(engine);
  } catch (error) {
    notify('error', `Cannot ${what}: ${describeEngineError(error)}`);
    return null;
  }
}

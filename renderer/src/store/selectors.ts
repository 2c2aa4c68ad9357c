// Values derived from the store, computed once per document change rather than in effects: dirty, validation
// problems (the same validate() the engine runs, plus what the engine last found on its machine) grouped by node.
import { validate } from '../../../app/graph/validate.ts';
import { formatProblem, type ValidationProblem } from '../../../app/graph/problems.ts';
import type { Pipeline } from '../../../app/pipeline/schema.ts';
import type { NodeRunView } from '../run/run-view.ts';
import { nodeStateInRun } from './run-documents.ts';
import type { StudioState } from './studio-state.ts';

export const selectDirty = (state: StudioState): boolean => state.doc !== state.savedDoc;

let lastDoc: Pipeline | null = null;
let lastCheck: StudioState['machineCheck'] = null;
let lastProblems: ValidationProblem[] = [];

export function selectProblems(state: StudioState): ValidationProblem[] {
  if (state.doc !== lastDoc || state.machineCheck !== lastCheck) {
    const own = validate(state.doc, state.registry);
    const shown = new Set(own.map(formatProblem));
    // The engine's answer repeats what the spec's own checks found; each problem is listed once.
    const checked = state.machineCheck?.doc === state.doc ? state.machineCheck.problems.filter((problem) => !shown.has(formatProblem(problem))) : [];
    lastProblems = [...own, ...checked];
    lastDoc = state.doc;
    lastCheck = state.machineCheck;
  }
  return lastProblems;
}

export const selectShownRun = (state: StudioState) => (state.shownRunId ? state.runs[state.shownRunId] : undefined);

/** A node's state in the shown run, only when that run ran this node (run-documents.ts); never by id alone. */
export function selectNodeRun(state: StudioState, nodeId: string): NodeRunView | undefined {
  const run = selectShownRun(state);
  if (!run) return undefined;
  return nodeStateInRun(run, state.runPipelines[run.runId], state.doc.nodes.find((node) => node.id === nodeId));
}

let lastGroupedFrom: ValidationProblem[] | null = null;
let lastGrouped = new Map<string, ValidationProblem[]>();

/** Problems per node id; the same arrays until the document changes, so node cards re-render only then. */
export function selectProblemsByNode(state: StudioState): ReadonlyMap<string, ValidationProblem[]> {
  const problems = selectProblems(state);
  if (problems !== lastGroupedFrom) {
    lastGrouped = new Map();
    for (const problem of problems) {
      if (problem.node === null) continue;
      const list = lastGrouped.get(problem.node);
      if (list) list.push(problem);
      else lastGrouped.set(problem.node, [problem]);
    }
    lastGroupedFrom = problems;
  }
  return lastGrouped;
}

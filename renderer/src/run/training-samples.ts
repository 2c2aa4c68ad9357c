// The samples a run's training nodes wrote (one log line each, app/run/training-sample.ts), by node and step, for the
// Samples tab. Read from the run's log lines, so live runs, reattached ones and past ones show the same.
import { parseSampleLogLine, type TrainingSample } from '../../../app/run/training-sample.ts';
import type { RunView } from './run-view.ts';

/** node → its samples in step order; nodes without samples are left out. */
export function samplesByNode(run: RunView): Record<string, TrainingSample[]> {
  const found: Record<string, TrainingSample[]> = {};
  for (const [node, lines] of Object.entries(run.logs)) {
    const samples = lines.flatMap((entry) => parseSampleLogLine(entry.line) ?? []);
    if (samples.length > 0) found[node] = samples.sort((a, b) => a.step - b.step);
  }
  return found;
}

// The order the run panel lists a run's nodes in (timeline rows, the Logs node picker): the order they ran in, then
// the nodes the run has not reached yet in pipeline order, so the list reads like the run itself.
import type { RunView } from './run-view.ts';

/**
 * A node ran when it started; a cached or skipped one never starts, so the moment it settled stands in. Ties (and
 * nodes not reached yet) follow `pipelineOrder` (the document's node order), then the run's own order.
 */
export function nodesInRunOrder(run: Pick<RunView, 'nodes'>, pipelineOrder: readonly string[] = []): string[] {
  const ids = Object.keys(run.nodes);
  const place = new Map<string, number>();
  for (const id of pipelineOrder) if (!place.has(id)) place.set(id, place.size);
  for (const id of ids) if (!place.has(id)) place.set(id, place.size);
  const reachedAt = (id: string) => {
    const node = run.nodes[id]!;
    const at = Date.parse(node.startedAt ?? node.finishedAt ?? '');
    return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
  };
  return ids.sort((a, b) => reachedAt(a) - reachedAt(b) || place.get(a)! - place.get(b)!);
}

// planRun: from a run request to the plan the executor runs: the pipeline validated once, with overrides applied, and
// each needed node's parsed config. Pure and synchronous, so a bad request is refused with structured problems before
// anything starts, and only problems in the nodes the targets need count; their warnings travel in the plan.
import { errorsOf, isWarning, type ValidationProblem } from '../../app/graph/problems.ts';
import { topologicalOrder, upstreamClosure } from '../../app/graph/topology.ts';
import { validatePipeline } from '../../app/graph/validate.ts';
import type { NodeRegistry } from '../../app/nodes/registry.ts';
import type { NodeSpec } from '../../app/nodes/spec.ts';
import type { Pipeline, PipelineNode, PortRef } from '../../app/pipeline/schema.ts';
import type { ConfigOverride } from '../../app/protocol/engine-api.ts';
import { FORCED_REASON, forcedUpstreamReason } from './cache-reason.ts';
import { applyOverrides } from './overrides.ts';
import { relativePathProblem, relativePathsWithoutFolder, resolvePathFields } from './path-fields.ts';
import { PipelineInvalidError, RunRequestError } from './run-errors.ts';

export interface PlanRequest {
  pipeline: Pipeline;
  registry: NodeRegistry;
  /** Folder of the pipeline file (path fields resolve against it), or null when unsaved. */
  pipelineDir: string | null;
  /** Nodes the user wants; everything upstream of them runs too. Empty or absent: the whole pipeline. */
  targets?: readonly string[];
  overrides?: readonly ConfigOverride[];
  /** Nodes to run even when their artifacts are cached. */
  force?: readonly string[];
}

export interface PlannedNode {
  id: string;
  node: PipelineNode;
  spec: NodeSpec;
  /** Parsed config: defaults applied, overrides applied, path fields absolute. */
  config: Record<string, unknown>;
  /** Upstream outputs arriving on each connected input port, in edge order. */
  inputs: Record<string, PortRef[]>;
  /** Ids of the nodes feeding this one. */
  upstream: string[];
  /**
   * Why the cache must not serve it: "forced" for a node named in `force`, or the forced node upstream of it, since
   * a forced node's fresh output replaces its artifact and everything computed from the old one must follow.
   */
  forceReason: string | null;
}

export interface RunPlan {
  /** The pipeline with overrides applied; the nodes the targets need passed validation. */
  pipeline: Pipeline;
  /** Folder the path fields were resolved against, which node runs also receive; null when unsaved. */
  pipelineDir: string | null;
  targets: string[];
  /** Planned node ids, upstream first. */
  order: string[];
  nodes: Map<string, PlannedNode>;
  /**
   * Warnings about the nodes the targets need, overrides applied (e.g. a warmup covering the whole run): they never
   * refuse a run, but whoever started it should show them, as `validate` does, before the run's time is spent.
   */
  warnings: ValidationProblem[];
}

export function planRun(request: PlanRequest): RunPlan {
  const { registry, pipelineDir } = request;
  const pipeline = applyOverrides(request.pipeline, request.overrides ?? []);
  const nodeIds = new Set(pipeline.nodes.map((node) => node.id));
  const targets = request.targets && request.targets.length > 0 ? [...request.targets] : pipeline.nodes.map((node) => node.id);
  checkNamedNodesExist('target', targets, nodeIds);
  checkNamedNodesExist('forced node', request.force ?? [], nodeIds);

  const needed = upstreamClosure(pipeline, targets);
  const validation = validatePipeline(pipeline, registry);
  const concerning = validation.problems.filter((problem) => concernsNeededNodes(problem, needed, pipeline));
  const problems = errorsOf(concerning);
  if (problems.length > 0) throw new PipelineInvalidError(problems);
  const warnings = concerning.filter(isWarning);

  const order = topologicalOrder(pipeline).order.filter((id) => needed.has(id));
  const relative = order.flatMap((id) => {
    const node = pipeline.nodes.find((candidate) => candidate.id === id)!;
    return relativePathsWithoutFolder(validation.configs.get(id) ?? {}, registry.get(node.type)?.pathFields, { pipelineDir }).map((found) => relativePathProblem(id, found));
  });
  if (relative.length > 0) throw new PipelineInvalidError(relative);

  const forced = new Set(request.force ?? []);
  const nodes = new Map<string, PlannedNode>();
  const forcedRoot = new Map<string, string>();
  for (const id of order) {
    const node = pipeline.nodes.find((candidate) => candidate.id === id)!;
    const planned = planNode(node, { pipeline, registry, pipelineDir, configs: validation.configs });
    const root = forced.has(id) ? id : planned.upstream.map((up) => forcedRoot.get(up)).find((found) => found !== undefined);
    if (root !== undefined) forcedRoot.set(id, root);
    planned.forceReason = root === undefined ? null : root === id ? FORCED_REASON : forcedUpstreamReason(root);
    nodes.set(id, planned);
  }
  return { pipeline, pipelineDir, targets, order, nodes, warnings };
}

interface NodePlanning {
  pipeline: Pipeline;
  registry: NodeRegistry;
  pipelineDir: string | null;
  /** The configs validation parsed, by node id. */
  configs: ReadonlyMap<string, Record<string, unknown>>;
}

function planNode(node: PipelineNode, { pipeline, registry, pipelineDir, configs }: NodePlanning): PlannedNode {
  // Validation accepted this node, so its type is known and its config was parsed.
  const spec = registry.get(node.type)!;
  const parsed = configs.get(node.id);
  if (!parsed) throw new Error(`node "${node.id}": validation accepted it but kept no parsed config`);
  const inputs: Record<string, PortRef[]> = {};
  for (const edge of pipeline.edges) {
    if (edge.to.node !== node.id) continue;
    (inputs[edge.to.port] ??= []).push(edge.from);
  }
  const upstream = [...new Set(Object.values(inputs).flatMap((refs) => refs.map((ref) => ref.node)))];
  const config = resolvePathFields(parsed, spec.pathFields, { pipelineDir });
  return { id: node.id, node, spec, config, inputs, upstream, forceReason: null };
}

function checkNamedNodesExist(role: string, ids: readonly string[], nodeIds: Set<string>): void {
  const missing = ids.filter((id) => !nodeIds.has(id));
  if (missing.length === 0) return;
  const known = [...nodeIds].map((id) => `"${id}"`).join(', ') || 'none';
  throw new RunRequestError(`unknown ${role}${missing.length > 1 ? 's' : ''} ${missing.map((id) => `"${id}"`).join(', ')}: the pipeline has no such node (its nodes: ${known})`);
}

/** Node problems count when the node is needed; edge and file problems when they touch a needed node or no node. */
function concernsNeededNodes(problem: ValidationProblem, needed: Set<string>, pipeline: Pipeline): boolean {
  if (problem.node !== null) return needed.has(problem.node);
  if (problem.edge === undefined) return true;
  const edges = pipeline.edges.filter((edge) => edge.id === problem.edge);
  return edges.some((edge) => needed.has(edge.from.node) || needed.has(edge.to.node));
}

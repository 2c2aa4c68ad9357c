// validate(pipeline, registry): every problem in a pipeline as structured data, never an exception.
// Unknown node types stay as placeholders; a node broken only by its upstream gets no problems of its own.
// validatePipeline also keeps the configs it parsed, so a run plans from them instead of parsing them again.
import { parseNodeConfig } from '../nodes/config.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import { findPort, type NodeSpec } from '../nodes/spec.ts';
import type { Pipeline, PipelineEdge } from '../pipeline/schema.ts';
import { findSecrets } from '../pipeline/secrets.ts';
import { checkConnection } from './connect.ts';
import { nodeTypeSuggestion } from './node-type-suggestion.ts';
import type { ValidationProblem } from './problems.ts';
import { checkGgufEndOfText } from './gguf-end-of-text.ts';
import { checkServedNames } from './served-names.ts';
import { checkTeacherInit } from './teacher-init.ts';
import { checkSharedTokenizers } from './tokenizer-lineage.ts';
import { findCycles } from './topology.ts';

export interface PipelineValidation {
  problems: ValidationProblem[];
  /** Parsed configs (defaults applied) by node id, for the nodes whose type is known and whose config is valid. */
  configs: Map<string, Record<string, unknown>>;
}

export function validate(pipeline: Pipeline, registry: NodeRegistry): ValidationProblem[] {
  return validatePipeline(pipeline, registry).problems;
}

export function validatePipeline(pipeline: Pipeline, registry: NodeRegistry): PipelineValidation {
  const problems: ValidationProblem[] = [];
  const specs = new Map<string, NodeSpec | undefined>();
  const configs = new Map<string, Record<string, unknown>>();

  checkDuplicateIds(pipeline, problems);
  for (const node of pipeline.nodes) {
    if (specs.has(node.id)) continue;
    const spec = registry.get(node.type);
    specs.set(node.id, spec);
    if (!spec) {
      problems.push({ node: node.id, code: 'unknown_node_type', message: unknownNodeTypeMessage(node.type, registry) });
      continue;
    }
    if (node.typeVersion > spec.version) {
      problems.push({ node: node.id, code: 'unsupported_type_version', message: `"${node.type}" version ${node.typeVersion} was saved by a newer Crucible; this one knows up to version ${spec.version}. Update Crucible` });
      continue;
    }
    const result = parseNodeConfig(spec, node.config);
    const found = result.ok ? result.warnings : result.problems;
    if (result.ok) configs.set(node.id, result.config);
    for (const p of found) problems.push({ node: node.id, field: p.field, code: ('code' in p && p.code) || 'config_invalid', message: p.message, ...('severity' in p && p.severity === 'warning' ? { severity: 'warning' as const } : {}) });
  }
  for (const hit of findSecrets(pipeline)) {
    problems.push({ node: hit.nodeId ?? null, field: hit.field, code: 'secret_in_file', message: 'looks like an API key; secrets are never stored in pipeline files. Remove it and manage keys with "crucible keys"' });
  }

  const { connected, usable } = checkEdges(pipeline, registry, specs, problems);
  checkRequiredInputs(pipeline, specs, connected, problems);
  // Only edges that are otherwise sound can close a cycle worth reporting; a broken edge has its own problem.
  for (const cycle of findCycles({ nodes: pipeline.nodes, edges: usable })) {
    problems.push({ node: cycle[0]!, code: 'cycle', message: `cycle: ${[...cycle, cycle[0]!].map((id) => `"${id}"`).join(' → ')}; remove one of these edges` });
  }
  problems.push(...checkSharedTokenizers(pipeline, specs));
  problems.push(...checkTeacherInit(pipeline, specs, configs));
  problems.push(...checkServedNames(pipeline, specs, configs));
  problems.push(...checkGgufEndOfText(pipeline, specs, configs));
  return { problems, configs };
}

/** Nearly always a typo in a hand-edited file, so it names the type that was meant (or lists them all). */
function unknownNodeTypeMessage(type: string, registry: NodeRegistry): string {
  const suggestion = nodeTypeSuggestion(type, registry.list().map((spec) => spec.type));
  return `unknown node type "${type}"; ${suggestion} It is kept as a placeholder: correct the type, or delete the node`;
}

function checkDuplicateIds(pipeline: Pipeline, problems: ValidationProblem[]): void {
  const seenNodes = new Set<string>();
  for (const node of pipeline.nodes) {
    if (seenNodes.has(node.id)) problems.push({ node: node.id, code: 'duplicate_id', message: `node id "${node.id}" is used more than once; ids must be unique` });
    seenNodes.add(node.id);
  }
  const seenEdges = new Set<string>();
  for (const edge of pipeline.edges) {
    if (seenEdges.has(edge.id)) problems.push({ node: null, edge: edge.id, code: 'duplicate_id', message: `edge id "${edge.id}" is used more than once; ids must be unique` });
    seenEdges.add(edge.id);
  }
}

/** Checks every edge; returns the input ports ("node\0port") that have an edge, and the edges with no problem. */
function checkEdges(
  pipeline: Pipeline,
  registry: NodeRegistry,
  specs: Map<string, NodeSpec | undefined>,
  problems: ValidationProblem[],
): { connected: Set<string>; usable: PipelineEdge[] } {
  const connected = new Set<string>();
  const accepted: PipelineEdge[] = [];
  const usable: PipelineEdge[] = [];
  for (const edge of pipeline.edges) {
    const missing = [edge.from.node, edge.to.node].filter((id) => !specs.has(id));
    if (missing.length > 0) {
      problems.push({ node: null, edge: edge.id, code: 'edge_missing_node', message: `edge "${edge.id}" points to a missing node "${missing[0]}"; delete the edge or restore the node` });
      continue;
    }
    const fromSpec = specs.get(edge.from.node);
    const toSpec = specs.get(edge.to.node);
    // Edges touching a placeholder cannot be checked; they count as connected so the node downstream stays quiet.
    if (!fromSpec || !toSpec) {
      connected.add(portKey(edge.to.node, edge.to.port));
      usable.push(edge);
      continue;
    }
    if (!findPort(fromSpec, 'output', edge.from.port)) {
      problems.push({ node: edge.from.node, edge: edge.id, port: edge.from.port, code: 'edge_missing_port', message: `${fromSpec.title} has no output "${edge.from.port}" (edge "${edge.id}")` });
      continue;
    }
    if (!findPort(toSpec, 'input', edge.to.port)) {
      problems.push({ node: edge.to.node, edge: edge.id, port: edge.to.port, code: 'edge_missing_port', message: `${toSpec.title} has no input "${edge.to.port}" (edge "${edge.id}")` });
      continue;
    }
    // A second edge from the same output to the same input (a hand or git merge): the canvas never draws one, and the
    // engine would deliver the artifact twice.
    const twin = accepted.find((other) => sameEnd(other.from, edge.from) && sameEnd(other.to, edge.to));
    if (twin) {
      // Under the same id it is already reported as a duplicate id.
      if (twin.id !== edge.id) problems.push({ node: edge.to.node, edge: edge.id, port: edge.to.port, code: 'duplicate_id', message: `edge "${edge.id}" repeats edge "${twin.id}" (the same output to the same input); delete it` });
      continue;
    }
    // Cycles are reported once for the whole loop below, not per edge.
    const check = checkConnection({ nodes: pipeline.nodes, edges: accepted }, registry, edge.from, edge.to);
    if (!check.ok && check.code !== 'cycle') {
      const code = check.code === 'input_already_connected' ? 'input_already_connected' : 'port_type_mismatch';
      problems.push({ node: edge.to.node, edge: edge.id, port: edge.to.port, code, message: check.reason });
      connected.add(portKey(edge.to.node, edge.to.port)); // connected, wrongly: one problem, not two
      continue;
    }
    accepted.push(edge);
    usable.push(edge);
    connected.add(portKey(edge.to.node, edge.to.port));
  }
  return { connected, usable };
}

function sameEnd(a: PipelineEdge['from'], b: PipelineEdge['from']): boolean {
  return a.node === b.node && a.port === b.port;
}

function checkRequiredInputs(pipeline: Pipeline, specs: Map<string, NodeSpec | undefined>, connected: Set<string>, problems: ValidationProblem[]): void {
  for (const node of pipeline.nodes) {
    const spec = specs.get(node.id);
    if (!spec) continue;
    for (const input of spec.inputs) {
      if (input.optional || connected.has(portKey(node.id, input.name))) continue;
      problems.push({ node: node.id, port: input.name, code: 'required_input_missing', message: `input "${input.name}" (${input.type}) is not connected; connect an output of type ${input.type}` });
    }
  }
}

function portKey(node: string, port: string): string {
  return `${node}\0${port}`;
}

// The facts shown under a node's form (parameter count, memory...): each node type's spec derives its own from the
// node's config; this file only finds the spec, parses the config and answers what the spec asks about upstream.
import { factsContextFor } from '../../../app/nodes/facts-context.ts';
import type { NodeRegistry } from '../../../app/nodes/registry.ts';
import type { NodeFact } from '../../../app/nodes/spec.ts';
import type { Pipeline } from '../../../app/pipeline/schema.ts';

export type { NodeFact };

export function nodeFacts(doc: Pipeline, nodeId: string, registry: NodeRegistry): NodeFact[] {
  const node = doc.nodes.find((candidate) => candidate.id === nodeId);
  const spec = node && registry.get(node.type);
  if (!node || !spec?.facts) return [];
  const parsed = spec.config.safeParse(node.config);
  if (!parsed.success) return [];
  return spec.facts(parsed.data, factsContextFor(doc, nodeId));
}

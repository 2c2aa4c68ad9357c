// The node-type catalogue as plain JSON: what the engine API serves and the palette, inspector and CLI render.
import { z } from 'zod';
import { defaultConfig } from './config.ts';
import type { NodeRegistry } from './registry.ts';
import type { NodeSpec } from './spec.ts';

/** A spec as plain JSON: the identity and ports as they are, the zod config as JSON Schema plus its defaults. */
export type NodeTypeInfo = Pick<NodeSpec, 'type' | 'title' | 'category' | 'summary' | 'docs' | 'version' | 'icon' | 'inputs' | 'outputs'> & {
  /** JSON Schema of the config as users write it (defaults make fields optional). */
  configSchema: Record<string, unknown>;
  defaults: Record<string, unknown>;
  service: boolean;
  nonIdempotent: boolean;
};

export function configJsonSchema(spec: NodeSpec): Record<string, unknown> {
  const schema = z.toJSONSchema(spec.config, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

export function describeNodeType(spec: NodeSpec): NodeTypeInfo {
  return {
    type: spec.type,
    title: spec.title,
    category: spec.category,
    summary: spec.summary,
    docs: spec.docs,
    version: spec.version,
    icon: spec.icon,
    inputs: spec.inputs,
    outputs: spec.outputs,
    configSchema: configJsonSchema(spec),
    defaults: defaultConfig(spec),
    service: spec.service ?? false,
    nonIdempotent: spec.nonIdempotent ?? false,
  };
}

export function catalogue(registry: NodeRegistry): NodeTypeInfo[] {
  return registry.list().map(describeNodeType);
}

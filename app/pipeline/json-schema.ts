// The JSON Schema that editors use to validate `*.crucible.json` files: the file shape from zod, plus each known
// node type's config schema, selected by the node's `type`.
import { z } from 'zod';
import { configJsonSchema } from '../nodes/catalogue.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import { pipelineSchema, PIPELINE_SCHEMA_URL } from './schema.ts';

export function pipelineJsonSchema(registry: NodeRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(pipelineSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, any>;
  schema.$id = PIPELINE_SCHEMA_URL;
  schema.title = 'Crucible pipeline';
  const nodeSchema = schema.properties.nodes.items as Record<string, unknown>;
  nodeSchema.allOf = registry.list().map((spec) => ({
    if: { properties: { type: { const: spec.type } }, required: ['type'] },
    then: { properties: { config: configJsonSchema(spec) } },
  }));
  return schema;
}

// The pipeline file format (`*.crucible.json`), version 1, as zod schemas.
// Meaning (nodes, config, edges) is kept apart from layout (`ui`), which never enters a cache key.
import { z } from 'zod';

export const PIPELINE_FORMAT = 'crucible.pipeline';
export const PIPELINE_VERSION = 1;
/** Where pipeline files point their `$schema`; the file is generated from these zod schemas and committed. */
export const PIPELINE_SCHEMA_URL = 'https://crucible.dev/schema/pipeline-v1.json';

/** Ids are chosen once and never derived from positions, so files diff cleanly as graphs change. */
export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must start with a letter or digit and use only letters, digits, "_", "-" and "."');

export const portRefSchema = z.strictObject({
  node: idSchema.describe('Id of the node.'),
  port: z.string().min(1).max(64).describe('Name of the port on that node.'),
});

export const nodeUiSchema = z
  .object({
    position: z.object({ x: z.number().finite(), y: z.number().finite() }).describe('Top-left corner on the canvas.'),
  })
  .catchall(z.unknown())
  .describe('Layout only; never part of a cache key.');

/** The longest pipeline name and node title a file may hold; the studio's inputs stop there too. */
export const MAX_LABEL_LENGTH = 200;

export const pipelineNodeSchema = z.strictObject({
  id: idSchema.describe('Stable id, unique in the file.'),
  type: z.string().min(1).max(64).describe('Node type, e.g. "pretrain".'),
  typeVersion: z.number().int().min(1).max(1000).describe('Version of the node type that wrote this config.'),
  title: z.string().max(MAX_LABEL_LENGTH).optional().describe('Optional label shown instead of the type title.'),
  config: z.record(z.string(), z.unknown()).default({}).describe('Config keyed by field name.'),
  ui: nodeUiSchema.optional(),
});

export const pipelineEdgeSchema = z.strictObject({
  id: idSchema.describe('Stable id, unique in the file.'),
  from: portRefSchema.describe('Output port the edge starts at.'),
  to: portRefSchema.describe('Input port the edge ends at.'),
});

export const pipelineSchema = z.strictObject({
  $schema: z.string().max(2000).optional().describe('JSON Schema that editors validate this file against.'),
  format: z.literal(PIPELINE_FORMAT),
  version: z.literal(PIPELINE_VERSION),
  name: z.string().min(1).max(MAX_LABEL_LENGTH).describe('Human name of the pipeline.'),
  description: z.string().max(10_000).default('').describe('What this pipeline is for.'),
  nodes: z.array(pipelineNodeSchema).max(1000),
  edges: z.array(pipelineEdgeSchema).max(5000),
});

export type PortRef = z.output<typeof portRefSchema>;
export type PipelineNode = z.output<typeof pipelineNodeSchema>;
export type PipelineEdge = z.output<typeof pipelineEdgeSchema>;
export type Pipeline = z.output<typeof pipelineSchema>;

/** A fresh, empty pipeline. */
export function emptyPipeline(name = 'Untitled pipeline'): Pipeline {
  return { $schema: PIPELINE_SCHEMA_URL, format: PIPELINE_FORMAT, version: PIPELINE_VERSION, name, description: '', nodes: [], edges: [] };
}

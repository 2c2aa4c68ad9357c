// The committed JSON Schema file's path and exact text, shared by the generator and the drift test.
import { pipelineJsonSchema } from '../app/pipeline/json-schema.ts';
import { sortKeysDeep } from '../app/pipeline/canonical-json.ts';
import { builtInRegistry } from '../nodes/specs.ts';

export const PIPELINE_SCHEMA_FILE = 'schema/pipeline-v1.json';

export function pipelineSchemaFileText(): string {
  return `${JSON.stringify(sortKeysDeep(pipelineJsonSchema(builtInRegistry())), null, 2)}\n`;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInNodeSpecs } from '../nodes/specs.ts';
import { pipelineSchemaFileText, PIPELINE_SCHEMA_FILE } from './json-schema-file.ts';

describe('committed JSON Schema', () => {
  it('matches the zod schemas (run "npm run schema" after changing a spec)', () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, '..', PIPELINE_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(pipelineSchemaFileText());
  });

  it('describes every built-in node config', () => {
    const schema = JSON.parse(pipelineSchemaFileText());
    const types = schema.properties.nodes.items.allOf.map((rule: any) => rule.if.properties.type.const);
    expect(types).toEqual(builtInNodeSpecs.map((spec) => spec.type));
    expect(types).toContain('model');
    const pretrain = schema.properties.nodes.items.allOf[types.indexOf('pretrain')].then.properties.config;
    expect(pretrain.properties.nEmbd).toMatchObject({ type: 'integer', default: 128, description: expect.any(String) });
  });
});

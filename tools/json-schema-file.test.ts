import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineSchemaFileText, PIPELINE_SCHEMA_FILE } from './json-schema-file.ts';

describe('committed JSON Schema', () => {
  it('matches the zod schemas (run "npm run schema" after changing a spec)', () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, '..', PIPELINE_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(pipelineSchemaFileText());
  });

  it('describes every built-in node config', () => {
    const schema = JSON.parse(pipelineSchemaFileText());
    const types = schema.properties.nodes.items.allOf.map((rule: any) => rule.if.properties.type.const);
    expect(types).toEqual(['dataset', 'tokenizer', 'pretrain', 'distill', 'quantize', 'evaluate', 'deploy', 'api-endpoint', 'export']);
    const pretrain = schema.properties.nodes.items.allOf[2].then.properties.config;
    expect(pretrain.properties.nEmbd).toMatchObject({ type: 'integer', default: 128, description: expect.any(String) });
  });
});

// Regenerates schema/pipeline-v1.json from the zod schemas and the built-in node specs (npm run schema).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipelineSchemaFileText, PIPELINE_SCHEMA_FILE } from './json-schema-file.ts';

const target = path.resolve(import.meta.dirname, '..', PIPELINE_SCHEMA_FILE);
writeFileSync(target, pipelineSchemaFileText());
console.log(`wrote ${path.relative(process.cwd(), target)}`);

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPipelineText } from '../app/pipeline/document.ts';
import { serializePipeline } from '../app/pipeline/serialize.ts';
import { builtInRegistry } from '../nodes/specs.ts';

const folder = path.resolve(import.meta.dirname, '..', 'examples');

describe('example pipelines', () => {
  const files = readdirSync(folder).filter((f) => f.endsWith('.crucible.json'));
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(2));
  for (const file of files) {
    it(`${file} is valid against the built-in node types`, () => {
      const text = readFileSync(path.join(folder, file), 'utf8');
      const doc = readPipelineText(text, builtInRegistry());
      expect(doc.problems).toEqual([]);
      expect(serializePipeline(doc.pipeline!)).toBe(text); // committed in canonical form, so saving rewrites nothing

    });
  }
});

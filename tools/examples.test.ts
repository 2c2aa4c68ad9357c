// The example pipelines: each is valid against the built-in node types and committed in canonical form; each passes
// `crucible validate` (the nodes' checks on this machine too: dataset sources beside it exist, nothing points at
// secrets); the gallery's templates are these files; and the fine-tune templates point their model node at a
// folder beside the file, which the description says how to get.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readPipelineText } from '../app/pipeline/document.ts';
import { serializePipeline } from '../app/pipeline/serialize.ts';
import type { CliIo } from '../engine/cli/io.ts';
import { validateCommand } from '../engine/cli/commands/validate.ts';
import { builtInRunModules } from '../nodes/runs.ts';
import { builtInRegistry } from '../nodes/specs.ts';
import { PIPELINE_TEMPLATES } from '../renderer/src/palette/templates.ts';

const folder = path.resolve(import.meta.dirname, '..', 'examples');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crucible-examples-data-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function crucibleValidate(file: string): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const io: CliIo = { stdout: new PassThrough(), stderr: new PassThrough().on('data', (chunk) => err.push(String(chunk))), env: {}, cwd: folder, onInterrupt: () => () => undefined };
  const code = await validateCommand(file, builtInRegistry(), io, { runModules: builtInRunModules(), dataDir });
  return { code, stderr: err.join('') };
}

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

  for (const file of ['finetune-text.crucible.json', 'chat-sft-api.crucible.json']) {
    it(`${file} passes crucible validate, and says how to get the model folder it names`, async () => {
      expect(await crucibleValidate(file)).toEqual({ code: 0, stderr: '' });
      const pipeline = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as { description: string; nodes: { type: string; config: Record<string, unknown> }[] };
      expect(pipeline.nodes.find((node) => node.type === 'model')?.config).toEqual({ path: 'models/gpt2' });
      expect(pipeline.description).toContain('crucible models add DIR --repo ID --revision SHA');
    });
  }

  it('the gallery templates are the example files, unchanged', () => {
    const shipped = new Set(['char-shakespeare', 'bpe-distill-int4-api', 'finetune-text', 'chat-sft-api']);
    for (const template of PIPELINE_TEMPLATES.filter((entry) => shipped.has(entry.id))) {
      expect(template.pipeline).toEqual(JSON.parse(readFileSync(path.join(folder, `${template.id}.crucible.json`), 'utf8')));
    }
    expect(PIPELINE_TEMPLATES.map((template) => template.id)).toEqual(expect.arrayContaining([...shipped]));
  });
});

// `crucible validate` on dataset sources: a warning is printed and the file stays valid (exit 0); a source in a
// secret location is a problem (exit 1), whether its name says so or a symbolic link leads there.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeRunModule } from '../../../app/nodes/run-contract.ts';
import { serializePipeline } from '../../../app/pipeline/serialize.ts';
import { datasetRun } from '../../../nodes/dataset/run.ts';
import { builtInRegistry } from '../../../nodes/specs.ts';
import { fixturePipeline } from '../../executor/testing/fixture-nodes.ts';
import { capturedIo } from '../testing/captured-io.ts';
import { validateCommand } from './validate.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'crucible-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const project = path.join(root, 'project');
mkdirSync(project, { recursive: true });
const machine = { runModules: new Map<string, NodeRunModule>([['dataset', datasetRun as NodeRunModule]]), dataDir: path.join(root, 'data') };

const fakeIo = () => capturedIo({ cwd: project });

async function validateSources(name: string, sources: Record<string, unknown>[]) {
  writeFileSync(path.join(project, name), serializePipeline(fixturePipeline([{ id: 'data', type: 'dataset', config: { sources } }])));
  const run = fakeIo();
  const code = await validateCommand(name, builtInRegistry(), run.io, machine);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('crucible validate: dataset sources', () => {
  it('prints a warning for a source outside the pipeline folder and stays valid', async () => {
    writeFileSync(path.join(project, 'inside.txt'), 'text');
    const result = await validateSources('outside.crucible.json', [{ path: 'inside.txt' }, { path: '/etc/passwd' }]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: node "data": config\.sources\.1\.path: "\/etc\/passwd" is outside the pipeline's folder \(.*project\) and the data directory/);
    expect(result.stdout).toBe('outside.crucible.json: valid with 1 warning, 1 nodes, 0 edges\n');
  });

  it('refuses /proc/self/environ and a link that leads to it, naming the node and the source index', async () => {
    symlinkSync('/proc/self/environ', path.join(project, 'env.txt'));
    const result = await validateSources('secret.crucible.json', [{ path: '/proc/self/environ' }, { path: 'env.txt' }]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^node "data": config\.sources\.0\.path: "\/proc\/self\/environ" is in \/proc/);
    expect(lines.at(-1)).toBe('secret.crucible.json: 1 problem');
    // The link is judged once the name-based refusal is fixed: allowOutside on the first source shows it.
    const linked = await validateSources('secret.crucible.json', [{ path: '/proc/self/environ', allowOutside: true }, { path: 'env.txt' }]);
    expect(linked.code).toBe(1);
    expect(linked.stderr).toMatch(/^node "data": config\.sources\.1\.path: ".*env\.txt" leads \(through a symbolic link\) to "\/proc\/\d+\/environ"/);
  });
});

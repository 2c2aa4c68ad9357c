// Artifacts are atomic: an engine killed (SIGKILL) while a node writes its output leaves no artifact behind, and the
// next run executes the node again instead of serving a half-written folder.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ARTIFACT_RECORD_FILE } from '../artifacts/artifact-store.ts';
import { SLOW_WRITER_PIPELINE, SLOW_WRITER_PIPELINE_ID } from './testing/kill-mid-write.child.ts';
import { createTestEngine } from './testing/test-engine.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'crucible-kill-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it('a SIGKILL mid-write leaves no artifact; the next run executes the node again', async () => {
  const stagingRoot = path.join(dataDir, 'artifacts', '.staging');
  await killChildWhenLogged(path.join(here, 'testing', 'kill-mid-write.child.ts'), 'chunk 5');

  const [abandoned] = await readdir(stagingRoot);
  expect(abandoned).toBeDefined();
  const partial = await readFile(path.join(stagingRoot, abandoned!, 'text', 'text.txt'), 'utf8');
  expect(partial).toContain('chunk 5');
  expect(partial).not.toContain('chunk 74');
  expect(await readdir(path.join(dataDir, 'artifacts'))).toEqual(['.staging']);

  const engine = await createTestEngine(dataDir);
  expect(await readdir(stagingRoot)).toEqual([]);
  const finished = await engine.run({ pipeline: SLOW_WRITER_PIPELINE, pipelineId: SLOW_WRITER_PIPELINE_ID });
  expect(finished.nodes.writer).toMatchObject({ state: 'succeeded', cached: false, reason: 'no cached artifact' });
  const folder = finished.nodes.writer!.artifact!;
  expect((await readFile(path.join(folder, 'text.txt'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(75);
  expect((await readdir(folder)).sort()).toEqual([ARTIFACT_RECORD_FILE, 'text.txt']);
  expect((await readdir(path.join(dataDir, 'artifacts'))).sort()).toEqual(['.staging', path.basename(folder)]);
});

/** Runs the child script and SIGKILLs it as soon as it logs `line`; resolves once it is dead. */
function killChildWhenLogged(script: string, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!killed && stdout.includes(`"line":"${line}"`)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve();
      else reject(new Error(`child exited (code ${code}, signal ${signal}) before it was killed:\n${stderr}\n${stdout.slice(-2000)}`));
    });
  });
}
